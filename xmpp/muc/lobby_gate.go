package muc

import (
	"encoding/json"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Lobby notifications in the main room (json-message, type lobby-notify).
const (
	eventLobbyEnabled  = "LOBBY-ENABLED"
	eventAccessGranted = "LOBBY-ACCESS-GRANTED"
	eventAccessDenied  = "LOBBY-ACCESS-DENIED"
)

// lobbyEvent is the JSON of a lobby notification.
type lobbyEvent struct {
	Type  string `json:"type"`
	Event string `json:"event"`
	Value any    `json:"value"`
	Name  string `json:"name,omitempty"`
}

// passLobby decides a join into a members-only room: members, owners and
// hosts enter, a correct room password makes the joiner a member, and the
// first arrival of an empty room enters (not with HostsOnly). Everyone else
// is sent to the lobby (registration-required naming the lobby room); the
// name is typed on the knocking screen, so none is asked for here (older
// clients do not know Prosody's displayname-required). It answers the
// refused joins.
func (s *Service) passLobby(r *room, st *dom.Element, from jid.JID) bool {
	switch {
	case r.affiliation(from) != affNone, s.policy.Owner != nil && s.policy.Owner(from):
		return true
	case s.policy.Member != nil && s.policy.Member(from, r.jid.Localpart()):
	case r.password != "" && suppliedPassword(st):
		if !s.checkPassword(r, st, from) {
			return false
		}
	case r.lobby != nil && s.counted(r) == 0 && !s.policy.Lobby.HostsOnly:
	case r.lobby == nil:
		s.reject(st, stanza.Condition{Name: "registration-required", Type: stanza.Auth}, "")
		return false
	default:
		s.deliver(sentToLobby(st, r.lobby.jid.String()))
		return false
	}
	r.setAffiliation(from.Bare(), affMember)
	return true
}

func suppliedPassword(st *dom.Element) bool {
	return st.Child(ns.MUC, "x").Child(ns.MUC, "password") != nil
}

// sentToLobby is the join error that sends the client to the lobby: auth /
// registration-required (code 407) with the lobby room JID in a
// <lobbyroom/>, inside the error and, for older clients, beside it.
func sentToLobby(st *dom.Element, lobby string) *dom.Element {
	p := stanza.Bounce(st, stanza.Condition{Name: "registration-required", Type: stanza.Auth}, "")
	e := p.Child(ns.Client, "error").SetAttr("code", "407")
	e.AddNew(ns.JitMeet, "lobbyroom").SetText(lobby)
	p.AddNew(ns.Client, "lobbyroom").SetText(lobby)
	p.AddNew(ns.MUC, "x")
	return p
}

// checkPassword compares a join's room password, counting wrong guesses
// per address; over the limit the join is refused before comparing. The
// password itself is never logged. It answers the refused joins.
func (s *Service) checkPassword(r *room, st *dom.Element, from jid.JID) bool {
	src := s.source(from)
	if !s.guard.mayGuess(src, s.now()) {
		s.log.Warn("room password guesses throttled", "room", r.jid.String(), "source", src)
		s.reject(st, resourceConstraint, textGuessRate)
		return false
	}
	if passwordMatches(r.password, st) {
		return true
	}
	s.guard.guessed(src, s.now())
	s.log.Info("room password refused", "room", r.jid.String(), "source", src)
	s.reject(st, stanza.NotAuthorized, "")
	return false
}

// invite admits participants from the lobby: a moderator's message to the
// room with one or more <invite to='real JID'/>. Each invitee becomes a
// member, gets an invitation from the room (without any password) and the
// room is told (LOBBY-ACCESS-GRANTED).
func (s *Service) invite(r *room, st *dom.Element, from jid.JID, invites []*dom.Element) {
	actor := r.byReal(from)
	if actor == nil || actor.role != roleModerator {
		s.log.Warn("lobby admit refused: not a moderator", "room", r.jid.String())
		s.reject(st, stanza.Forbidden, "only moderators may invite")
		return
	}
	for _, inv := range invites {
		to, err := jid.Parse(inv.Attr("to"))
		if err != nil || to.Domainpart() == "" {
			s.reject(st, stanza.JIDMalformed, "")
			return
		}
		if r.affiliation(to) == affNone {
			r.setAffiliation(to.Bare(), affMember)
		}
		m := dom.New(ns.Client, "message").SetAttr("from", r.jid.String()).SetAttr("to", to.String())
		m.AddNew(ns.MUCUser, "x").AddNew(ns.MUCUser, "invite").SetAttr("from", from.String())
		s.deliver(m)
		if r.lobby == nil {
			continue
		}
		if o := r.lobby.byReal(to); o != nil {
			s.notifyLobby(r, from, lobbyEvent{Event: eventAccessGranted,
				Value: r.lobby.occupantJID(o.nick), Name: displayName(o)})
			s.log.Info("lobby knock admitted", "room", r.jid.String(), "nick", o.nick)
		}
	}
}

// notifyLobby sends a lobby-notify json-message to the main room from the
// actor's occupant JID, as Prosody's lobby module does; nothing when the
// actor is not in the room.
func (s *Service) notifyLobby(r *room, actor jid.JID, ev lobbyEvent) {
	o := r.byReal(actor)
	if o == nil {
		return
	}
	ev.Type = "lobby-notify"
	b, err := json.Marshal(ev)
	if err != nil {
		return
	}
	m := dom.New(ns.Client, "message").SetAttr("type", "groupchat").SetAttr("from", r.occupantJID(o.nick))
	m.AddNew(ns.JitMeet, "json-message").SetText(string(b))
	for _, other := range r.order {
		s.deliver(m.Copy().SetAttr("to", other.real.String()))
	}
}

// lobbySwitched follows a members-only change by actor: on, the lobby room
// opens; off, it closes and names the main room, so the waiting join it.
func (s *Service) lobbySwitched(r *room, actor jid.JID) {
	if s.lobby.Domainpart() == "" {
		return
	}
	if r.membersOnly {
		if r.lobby == nil {
			r.lobby = s.newLobby(r)
		}
	} else {
		s.closeLobby(r, r.jid.String(), textLobbyClosed, false)
	}
	s.notifyLobby(r, actor, lobbyEvent{Event: eventLobbyEnabled, Value: r.membersOnly})
}

// lobbyAfterLeave tells the waiting participants when nobody is left who
// could admit them: no moderator in the room and (with HostsOnly, or with
// nobody left at all) nobody the focus would make one.
func (s *Service) lobbyAfterLeave(r *room) {
	if r.lobby == nil {
		return
	}
	waiting := false
	for _, o := range r.lobby.order {
		if !s.lobbyModerator(r, o.real) {
			waiting = true
		}
	}
	if !waiting {
		return
	}
	for _, o := range r.order {
		if o.role == roleModerator && !s.exempt(o.real) {
			return
		}
	}
	if !s.policy.Lobby.HostsOnly && s.counted(r) > 0 {
		return
	}
	s.closeLobby(r, "", textNoModerator, true)
}
