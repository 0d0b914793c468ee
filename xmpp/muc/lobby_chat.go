package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// lobbyMessage carries lobby chat: a message reaches an occupant only when
// the sender or the recipient is a moderator, so waiting participants never
// reach each other. The sender's address is the server's (its occupant JID),
// and a <nick/> in the message is dropped, so nobody writes as another.
func (s *Service) lobbyMessage(r *room, st *dom.Element, from, to jid.JID) {
	l := r.lobby
	sender := l.byReal(from)
	if sender == nil {
		s.reject(st, stanza.NotAcceptable, "only occupants may send to the lobby")
		return
	}
	senderMod := s.lobbyModerator(r, from)
	m := st.Copy()
	m.RemoveChildren(ns.Nick, "nick")
	m.SetAttr("from", l.occupantJID(sender.nick))
	if nick := to.Resourcepart(); nick != "" {
		target := l.occupants[nick]
		switch {
		case st.Attr("type") == "groupchat":
			s.reject(st, stanza.BadRequest, "groupchat to an occupant")
		case target == nil:
			s.reject(st, stanza.ItemNotFound, "")
		case !senderMod && !s.lobbyModerator(r, target.real):
			s.reject(st, stanza.Forbidden, textLobbyOnly)
		default:
			s.deliver(m.SetAttr("to", target.real.String()))
		}
		return
	}
	if st.Attr("type") != "groupchat" {
		s.reject(st, stanza.FeatureNotImplemented, "")
		return
	}
	for _, other := range l.order {
		if other == sender || senderMod || s.lobbyModerator(r, other.real) {
			s.deliver(m.Copy().SetAttr("to", other.real.String()))
		}
	}
}

// lobbyIQ answers IQs to a lobby room: disco#info, ping, and the
// moderators' muc#admin kick that rejects a waiting participant.
func (s *Service) lobbyIQ(r *room, st *dom.Element, from, to jid.JID) {
	if !stanza.IsRequest(st) {
		return
	}
	if to.Resourcepart() != "" {
		s.reject(st, stanza.ServiceUnavailable, "")
		return
	}
	q := stanza.Payload(st)
	get := st.Attr("type") == "get"
	switch {
	case get && q.Is(ns.DiscoInfo, "query"):
		res := stanza.Result(st)
		info := res.AddNew(ns.DiscoInfo, "query")
		info.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "conference").
			SetAttr("type", "text").SetAttr("name", r.jid.Localpart())
		info.AddNew(ns.DiscoInfo, "feature").SetAttr("var", ns.MUC)
		s.deliver(res)
	case get && q.Is(ns.Ping, "ping"):
		s.deliver(stanza.Result(st))
	case !get && q.Is(ns.MUCAdmin, "query"):
		s.lobbyAdmin(r, st, from, q)
	default:
		s.reject(st, stanza.FeatureNotImplemented, "")
	}
}

// lobbyAdmin rejects waiting participants: items with role none and their
// nick. Only moderators may; every item is checked before any is applied.
func (s *Service) lobbyAdmin(r *room, st *dom.Element, from jid.JID, q *dom.Element) {
	if !s.lobbyModerator(r, from) {
		s.log.Warn("lobby reject refused: not a moderator", "room", r.jid.String())
		s.reject(st, stanza.Forbidden, "only moderators may reject from the lobby")
		return
	}
	items := q.ChildrenNamed(ns.MUCAdmin, "item")
	targets := make([]*occupant, 0, len(items))
	for _, it := range items {
		o := r.lobby.occupants[it.Attr("nick")]
		switch {
		case it.Attr("role") != roleNone:
			s.reject(st, stanza.BadRequest, "only role none (reject) is supported in the lobby")
			return
		case o == nil || s.lobbyModerator(r, o.real):
			s.reject(st, stanza.ItemNotFound, "")
			return
		}
		targets = append(targets, o)
	}
	if len(targets) == 0 {
		s.reject(st, stanza.BadRequest, "no item")
		return
	}
	for _, o := range targets {
		s.deny(r, o, from)
	}
	s.deliver(stanza.Result(st))
}

// deny removes a waiting participant with status 307 (the client shows it
// was rejected) and tells the main room (LOBBY-ACCESS-DENIED).
func (s *Service) deny(r *room, o *occupant, actor jid.JID) {
	lobbyJID := r.lobby.occupantJID(o.nick)
	name := displayName(o)
	s.lobbyLeave(r, o, nil, statusKicked)
	s.notifyLobby(r, actor, lobbyEvent{Event: eventAccessDenied, Value: lobbyJID, Name: name})
	s.log.Info("lobby knock rejected", "room", r.jid.String(), "nick", o.nick)
}

// displayName is the name an occupant typed (its presence <nick/>).
func displayName(o *occupant) string {
	if n := o.pres.Child(ns.Nick, "nick"); n != nil {
		return n.Text
	}
	return ""
}
