package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

func (s *Service) handleMessage(st *dom.Element, from, to jid.JID) {
	r := s.rooms[to.Localpart()]
	if r == nil {
		s.reject(st, stanza.ItemNotFound, "")
		return
	}
	switch {
	case to.Resourcepart() != "":
		if st.Attr("type") == "groupchat" {
			s.reject(st, stanza.BadRequest, "groupchat to an occupant")
			return
		}
		s.routePrivate(r, st, from, to)
	case st.Attr("type") == "groupchat":
		s.groupchat(r, st, from)
	case len(invites(st)) > 0:
		s.invite(r, st, from, invites(st))
	case st.Attr("type") != "error":
		s.reject(st, stanza.FeatureNotImplemented, "")
	}
}

func (s *Service) groupchat(r *room, st *dom.Element, from jid.JID) {
	o := r.byReal(from)
	if o == nil {
		s.reject(st, stanza.NotAcceptable, "only occupants may send to the room")
		return
	}
	if subj := st.Child(ns.Client, "subject"); subj != nil && st.Child(ns.Client, "body") == nil {
		if o.role != roleModerator {
			s.reject(st, stanza.Forbidden, "only moderators may change the subject")
			return
		}
		r.subject = subj.Text
	}
	m := st.Copy()
	m.RemoveChildren(ns.Nick, "nick")
	m.SetAttr("from", r.occupantJID(o.nick))
	for _, other := range r.order {
		c := m.Copy()
		c.SetAttr("to", other.real.String())
		s.deliver(c)
	}
}

// routePrivate carries an IQ or a private message from an occupant to the
// occupant named by to, rewriting from to the sender's occupant JID.
func (s *Service) routePrivate(r *room, st *dom.Element, from, to jid.JID) {
	var sender, target *occupant
	if r != nil {
		sender = r.byReal(from)
		target = r.occupants[to.Resourcepart()]
	}
	switch {
	case sender == nil:
		s.reject(st, stanza.NotAcceptable, "only occupants may send private stanzas")
	case target == nil:
		s.reject(st, stanza.ItemNotFound, "")
	default:
		c := st.Copy()
		c.SetAttr("from", r.occupantJID(sender.nick)).SetAttr("to", target.real.String())
		s.deliver(c)
	}
}

// invites returns the mediated invitations (XEP-0045 §7.8.2) of a normal
// message to the room.
func invites(st *dom.Element) []*dom.Element {
	if t := st.Attr("type"); t != "" && t != "normal" {
		return nil
	}
	return st.Child(ns.MUCUser, "x").ChildrenNamed(ns.MUCUser, "invite")
}
