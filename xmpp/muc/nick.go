package muc

import (
	"meetd/xmpp/dom"
	"meetd/xmpp/internal/ns"
	"meetd/xmpp/internal/stz"
)

// changeNick renames occupant o (XEP-0045 §7.6): everyone gets o's
// unavailable presence under the old nick with status 303 and the new nick,
// then its presence under the new nick.
func (s *Service) changeNick(r *room, o *occupant, st *dom.Element, nick string) {
	if r.occupants[nick] != nil {
		s.reject(st, stz.Conflict, "")
		return
	}
	for _, other := range r.order {
		p := r.unavailableOf(o, other.real, nil, statusNickChanged)
		p.Child(ns.MUCUser, "x").Child(ns.MUCUser, "item").SetAttr("nick", nick).
			SetAttr("role", o.role)
		s.deliver(p)
	}
	delete(r.occupants, o.nick)
	o.nick = nick
	r.occupants[nick] = o
	o.pres = s.occupantPresence(st, o.real)
	s.broadcast(r, o)
	s.log.Debug("occupant renamed", "room", r.jid.String(), "nick", nick)
}
