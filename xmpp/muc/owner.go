package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// owner handles muc#owner: the configuration form (get returns it, a submit
// is accepted) and room destruction. Only owners may use it.
func (s *Service) owner(r *room, st *dom.Element, from jid.JID, q *dom.Element) {
	if r.affiliation(from) != affOwner {
		s.reject(st, stanza.Forbidden, "only owners may configure the room")
		return
	}
	if st.Attr("type") == "get" {
		res := stanza.Result(st)
		res.AddNew(ns.MUCOwner, "query").Add(r.configForm())
		s.deliver(res)
		return
	}
	if d := q.Child(ns.MUCOwner, "destroy"); d != nil {
		s.destroy(r, d)
		s.deliver(stanza.Result(st))
		return
	}
	x := q.Child(ns.XData, "x")
	if x == nil {
		s.reject(st, stanza.BadRequest, "no form")
		return
	}
	if x.Attr("type") != "cancel" {
		s.configure(r, x, from)
	}
	s.deliver(stanza.Result(st))
}

func (r *room) configForm() *dom.Element {
	return form("form", ns.MUCRoomConfig, [][2]string{
		{"muc#roomconfig_roomname", r.jid.Localpart()},
		{"muc#roomconfig_whois", "anyone"},
		{fieldSecret, r.password},
		{fieldProtected, boolField(r.password != "")},
		{fieldMembersOnly, boolField(r.membersOnly)},
		{"muc#roomconfig_persistentroom", "0"},
		{"muc#roominfo_meetingId", r.meetingID},
	})
}

// destroy tells every occupant the room is gone and removes it.
func (s *Service) destroy(r *room, d *dom.Element) {
	for _, o := range r.order {
		p := dom.New(ns.Client, "presence")
		p.SetAttr("type", "unavailable").SetAttr("from", r.occupantJID(o.nick)).SetAttr("to", o.real.String())
		x := p.AddNew(ns.MUCUser, "x")
		x.AddNew(ns.MUCUser, "item").SetAttr("affiliation", affNone).SetAttr("role", roleNone)
		x.Add(inSpace(d.Copy(), ns.MUCUser))
		s.deliver(p)
	}
	s.closeLobby(r, "", textLobbyClosed, false)
	delete(s.rooms, r.jid.Localpart())
	s.log.Info("room destroyed by owner", "room", r.jid.String())
	s.fire(Destroyed, r, nil)
}

// inSpace moves e and its descendants in e's namespace to space.
func inSpace(e *dom.Element, space string) *dom.Element {
	old := e.Space
	e.Space = space
	for _, c := range e.Children {
		if c.Space == old {
			inSpace(c, space)
		}
	}
	return e
}

func boolField(b bool) string {
	if b {
		return "1"
	}
	return "0"
}
