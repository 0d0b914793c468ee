// Package roomcomp holds what the room components (AV moderation, end
// conference, speaker stats, polls, room metadata, breakout rooms) share:
// finding the sender's room and occupant, answering disco, and the
// <json-message/> notifications clients read (docs/room-components.md).
package roomcomp

import (
	"encoding/json"
	"strings"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// MaxJSON bounds a JSON payload a component accepts from a client.
const MaxJSON = 64 << 10

// Rooms finds rooms and occupants in the conference MUC services.
type Rooms struct {
	MUCs func() []*muc.Service
}

// Locate returns the service, room and occupant of a real full JID that
// occupies a conference room; ok is false when it is in none.
func (r Rooms) Locate(real jid.JID) (*muc.Service, jid.JID, muc.Occupant, bool) {
	for _, m := range r.MUCs() {
		if room, o, ok := m.OccupantOf(real); ok {
			return m, room, o, true
		}
	}
	return nil, jid.JID{}, muc.Occupant{}, false
}

// Service returns the MUC service of a room JID, or nil.
func (r Rooms) Service(room jid.JID) *muc.Service {
	for _, m := range r.MUCs() {
		if strings.EqualFold(m.Domain(), room.Domainpart()) {
			return m
		}
	}
	return nil
}

// Occupants returns the occupants of a room JID (nil when none).
func (r Rooms) Occupants(room jid.JID) []muc.Occupant {
	m := r.Service(room)
	if m == nil {
		return nil
	}
	return m.RoomOccupants(room.Localpart())
}

// Sender is the caller's real full JID, its room and occupant there.
type Sender struct {
	Real     jid.JID
	Service  *muc.Service
	Room     jid.JID
	Occupant muc.Occupant
}

// OccupantJID is the sender's occupant JID (room/nick).
func (s Sender) OccupantJID() string { return s.Room.String() + "/" + s.Occupant.Nick }

// From locates the sender of a stanza (its stamped `from`).
func (r Rooms) From(st *dom.Element) (Sender, bool) {
	real, err := jid.Parse(st.Attr("from"))
	if err != nil {
		return Sender{}, false
	}
	m, room, o, ok := r.Locate(real)
	return Sender{Real: real, Service: m, Room: room, Occupant: o}, ok
}

// JSONMessage builds a message from a component to a real JID carrying v
// as <json-message xmlns='http://jitsi.org/jitmeet'>.
func JSONMessage(from, to string, v any) *dom.Element {
	b, err := json.Marshal(v)
	if err != nil {
		b = []byte("{}") // v is always one of the components' own types
	}
	m := dom.New(ns.Client, "message").SetAttr("from", from).SetAttr("to", to)
	m.AddNew(ns.JitMeet, "json-message").SetText(string(b))
	return m
}

// ToOccupants sends v to the real JIDs of the occupants accepted by keep
// (all when keep is nil).
func ToOccupants(out muc.Router, from string, occ []muc.Occupant, keep func(muc.Occupant) bool, v any) {
	for _, o := range occ {
		if keep == nil || keep(o) {
			out.DeliverLocal(JSONMessage(from, o.Real.String(), v))
		}
	}
}

// IsFocus reports whether an occupant is the focus (nick "focus").
func IsFocus(o muc.Occupant) bool { return o.Nick == "focus" }

// ServeNonMessage answers what a component gets besides messages (disco#info
// IQs, see AnswerIQ) and reports whether st was such a stanza.
func ServeNonMessage(out muc.Router, st *dom.Element, domain, identity string, features ...string) bool {
	if st.Local == "message" {
		return false
	}
	if res := AnswerIQ(st, domain, identity, features...); res != nil {
		out.DeliverLocal(res)
	}
	return true
}

// AnswerIQ answers an IQ request to a component: disco#info with its
// identity and features, else feature-not-implemented. Non-requests are
// ignored (nil).
func AnswerIQ(st *dom.Element, domain, identity string, features ...string) *dom.Element {
	t := st.Attr("type")
	if st.Local != "iq" || (t != "get" && t != "set") {
		return nil
	}
	q := st.FirstChild()
	if t == "get" && q != nil && q.Is(ns.DiscoInfo, "query") {
		res := stanza.Result(st)
		info := res.AddNew(ns.DiscoInfo, "query")
		if n := q.Attr("node"); n != "" {
			info.SetAttr("node", n)
		}
		info.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "component").
			SetAttr("type", identity).SetAttr("name", domain)
		for _, f := range append([]string{ns.DiscoInfo}, features...) {
			info.AddNew(ns.DiscoInfo, "feature").SetAttr("var", f)
		}
		return res
	}
	return stanza.ErrorReply(st, stanza.FeatureNotImplemented, "")
}
