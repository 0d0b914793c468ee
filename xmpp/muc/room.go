package muc

import (
	"time"

	"golang.org/x/time/rate"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Affiliations and roles (XEP-0045 §5).
const (
	affOwner  = "owner"
	affAdmin  = "admin"
	affMember = "member"
	affNone   = "none"

	roleModerator   = "moderator"
	roleParticipant = "participant"
	roleVisitor     = "visitor"
	roleNone        = "none"
)

// Status codes (XEP-0045 §15.6).
const (
	statusSelf          = "110"
	statusNonAnonymous  = "100"
	statusConfigChanged = "104"
	statusCreated       = "201"
	statusNickChanged   = "303"
	statusKicked        = "307"
)

type room struct {
	jid       jid.JID // bare room JID
	meetingID string
	created   time.Time // when the room first had more than one occupant
	subject   string
	occupants map[string]*occupant // by nick
	order     []*occupant          // join order
	affs      map[string]string    // bare real JID -> affiliation

	password    string        // muc#roomconfig_roomsecret; "" when unlocked
	membersOnly bool          // muc#roomconfig_membersonly
	joins       *rate.Limiter // join throttle; nil when off
	lobby       *room         // where non-members wait while membersOnly; nil without a lobby service
	permissions *dom.Element  // told to moderators in their own presence (permissions.go); nil: none
}

type occupant struct {
	nick   string
	real   jid.JID
	role   string
	pres   *dom.Element // last available presence, without addressing or MUC extensions
	kicked *kickedBy    // set when a moderator removes it (hooks.go)
}

func newRoom(j jid.JID) *room {
	return &room{jid: j, meetingID: stanza.NewUUID(), occupants: make(map[string]*occupant),
		affs: make(map[string]string)}
}

func (r *room) byReal(real jid.JID) *occupant {
	for _, o := range r.order {
		if o.real.Equal(real) {
			return o
		}
	}
	return nil
}

func (r *room) add(o *occupant) {
	r.occupants[o.nick] = o
	r.order = append(r.order, o)
}

func (r *room) remove(o *occupant) {
	delete(r.occupants, o.nick)
	for i, x := range r.order {
		if x == o {
			r.order = append(r.order[:i], r.order[i+1:]...)
			return
		}
	}
}

func (r *room) affiliation(real jid.JID) string {
	if a, ok := r.affs[real.Bare().String()]; ok {
		return a
	}
	return affNone
}

func (r *room) setAffiliation(bare jid.JID, aff string) {
	if aff == affNone {
		delete(r.affs, bare.String())
		return
	}
	r.affs[bare.String()] = aff
}

// roleFor is the default role of an occupant with the given affiliation.
func roleFor(aff string) string {
	if aff == affOwner || aff == affAdmin {
		return roleModerator
	}
	return roleParticipant
}

func (r *room) occupantJID(nick string) string {
	return r.jid.String() + "/" + nick
}

// presenceOf builds o's current presence for recipient to.
func (r *room) presenceOf(o *occupant, to jid.JID, codes ...string) *dom.Element {
	p := o.pres.Copy()
	p.SetAttr("from", r.occupantJID(o.nick)).SetAttr("to", to.String())
	p.Add(r.userX(o, o.role, o.real.Equal(to), codes...))
	if o.real.Equal(to) {
		return r.withPermissions(p, o)
	}
	return p
}

// unavailableOf builds o's leave presence for recipient to; status, when
// non-nil, is the leaver's own <status/>.
func (r *room) unavailableOf(o *occupant, to jid.JID, extra []*dom.Element, codes ...string) *dom.Element {
	p := dom.New(ns.Client, "presence")
	p.SetAttr("type", "unavailable").SetAttr("from", r.occupantJID(o.nick)).SetAttr("to", to.String())
	for _, e := range extra {
		p.Add(e.Copy())
	}
	return p.Add(o.kicked.decorate(r.userX(o, roleNone, o.real.Equal(to), codes...)))
}

func (r *room) userX(o *occupant, role string, self bool, codes ...string) *dom.Element {
	x := dom.New(ns.MUCUser, "x")
	x.AddNew(ns.MUCUser, "item").SetAttr("affiliation", r.affiliation(o.real)).
		SetAttr("role", role).SetAttr("jid", o.real.String())
	if self {
		x.AddNew(ns.MUCUser, "status").SetAttr("code", statusSelf)
	}
	for _, c := range codes {
		x.AddNew(ns.MUCUser, "status").SetAttr("code", c)
	}
	return x
}

// cleanPresence keeps the payload of a client presence for rebroadcast:
// addressing, type and MUC protocol elements are removed.
func cleanPresence(st *dom.Element) *dom.Element {
	p := st.Copy()
	for _, a := range []string{"to", "from", "type", "id"} {
		p.RemoveAttr(a)
	}
	p.RemoveChildren(ns.MUC, "x")
	p.RemoveChildren(ns.MUCUser, "x")
	p.RemoveChildren(ns.JitMeet, "permissions") // only the server tells them (permissions.go)
	return p
}
