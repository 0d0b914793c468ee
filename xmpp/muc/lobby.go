package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// LobbyPolicy configures the lobby: while a room is members-only, a
// non-member who tries to join waits in <room>@Domain until a moderator
// admits or rejects them (docs/lobby.md).
type LobbyPolicy struct {
	// Domain is the lobby service (lobby.<domain>), served by the same
	// Service as the rooms; empty means no lobby.
	Domain string
	// ByDefault makes every new room members-only: the lobby is on.
	ByDefault bool
	// HostsOnly is guests_wait_for_host: only a host (Policy.Owner) enters
	// an empty room past the lobby. Otherwise the first arrival of an empty
	// room enters (and the focus makes them owner).
	HostsOnly bool
	// MaxWaiting caps the participants waiting in one lobby room (default
	// 100); MaxWaitingPerSource those from one address (default 5).
	MaxWaiting          int
	MaxWaitingPerSource int
}

const (
	defaultMaxWaiting          = 100
	defaultMaxWaitingPerSource = 5
)

// Texts the waiting participants see.
const (
	textLobbyClosed = "Lobby room closed."
	textNoModerator = "No moderator is left in the meeting to admit you."
	textLobbyFull   = "The lobby is full"
	textKnockRate   = "Too many knocks, try again later"
	textLobbyOnly   = "lobby messages go to or come from a moderator"
)

// isLobby reports whether to is in the lobby service domain.
func (s *Service) isLobby(to jid.JID) bool {
	return s.lobby.Domainpart() != "" && to.Domainpart() == s.lobby.Domainpart()
}

// newLobby returns r's lobby room. Affiliations are the main room's (the
// map is shared), so the main room's owners are the lobby's moderators.
func (s *Service) newLobby(r *room) *room {
	j, _ := jid.New(r.jid.Localpart(), s.lobby.Domainpart(), "")
	l := newRoom(j)
	l.affs = r.affs
	return l
}

// lobbyModerator reports whether real may admit, reject and read the lobby
// of r: an owner or admin of the main room, or a host by login.
func (s *Service) lobbyModerator(r *room, real jid.JID) bool {
	aff := r.affiliation(real)
	return aff == affOwner || aff == affAdmin || (s.policy.Owner != nil && s.policy.Owner(real))
}

// handleLobby handles a stanza to the lobby service or one of its rooms.
func (s *Service) handleLobby(st *dom.Element, from, to jid.JID) {
	if to.Localpart() == "" {
		s.handleService(st)
		return
	}
	r := s.rooms[to.Localpart()]
	if r == nil || r.lobby == nil {
		s.reject(st, stanza.ItemNotFound, "")
		return
	}
	switch st.Local {
	case "presence":
		s.lobbyPresence(r, st, from, to)
	case "message":
		s.lobbyMessage(r, st, from, to)
	case "iq":
		s.lobbyIQ(r, st, from, to)
	}
}

func (s *Service) lobbyPresence(r *room, st *dom.Element, from, to jid.JID) {
	o := r.lobby.byReal(from)
	switch st.Attr("type") {
	case "unavailable":
		if o != nil {
			s.lobbyLeave(r, o, st.ChildrenNamed(ns.Client, "status"))
		}
	case "":
		switch {
		case to.Resourcepart() == "":
			s.reject(st, stanza.JIDMalformed, "a nickname is required")
		case o != nil:
			o.pres = s.occupantPresence(st, from)
			s.lobbyBroadcast(r, o)
		default:
			s.knock(r, st, from, to)
		}
	}
}

// knock adds a participant (or a moderator) to the lobby room. A waiting
// participant's presence goes to the moderators only; a moderator gets the
// presences of everyone waiting.
func (s *Service) knock(r *room, st *dom.Element, from, to jid.JID) {
	l := r.lobby
	nick := to.Resourcepart()
	if l.occupants[nick] != nil {
		s.reject(st, stanza.Conflict, "")
		return
	}
	mod := s.lobbyModerator(r, from)
	if !mod && !s.mayKnock(r, st, from) {
		return
	}
	o := &occupant{nick: nick, real: from, role: roleParticipant, pres: s.occupantPresence(st, from)}
	if mod {
		o.role = roleModerator
	}
	l.add(o)
	for _, other := range l.order {
		switch {
		case other == o:
		case mod && !s.lobbyModerator(r, other.real):
			s.deliver(l.presenceOf(other, o.real))
		case !mod && s.lobbyModerator(r, other.real):
			s.deliver(l.presenceOf(o, other.real))
		}
	}
	s.deliver(l.presenceOf(o, o.real, statusNonAnonymous))
	if mod {
		s.log.Debug("lobby moderator joined", "room", r.jid.String(), "nick", nick)
		return
	}
	s.log.Info("lobby knock", "room", r.jid.String(), "nick", nick, "source", s.source(from))
}

// mayKnock applies the knock limits: per address, per lobby room and per
// address in the room. It answers the refused knocks.
func (s *Service) mayKnock(r *room, st *dom.Element, from jid.JID) bool {
	src := s.source(from)
	waiting, fromSrc := 0, 0
	for _, o := range r.lobby.order {
		if !s.lobbyModerator(r, o.real) {
			waiting++
			if s.source(o.real) == src {
				fromSrc++
			}
		}
	}
	switch {
	case !s.guard.allowKnock(src, s.now()):
		s.reject(st, resourceConstraint, textKnockRate)
	case waiting >= orDefault(s.policy.Lobby.MaxWaiting, defaultMaxWaiting),
		fromSrc >= orDefault(s.policy.Lobby.MaxWaitingPerSource, defaultMaxWaitingPerSource):
		s.reject(st, stanza.ServiceUnavailable, textLobbyFull)
	default:
		return true
	}
	s.log.Warn("lobby knock refused", "room", r.jid.String(), "source", src)
	return false
}

func orDefault(v, def int) int {
	if v > 0 {
		return v
	}
	return def
}

// source is the per-address limit key of real.
func (s *Service) source(real jid.JID) string {
	if s.policy.Source != nil {
		if src := s.policy.Source(real); src != "" {
			return src
		}
	}
	return real.Bare().String()
}

// lobbyBroadcast sends o's changed presence to o and, for a waiting
// participant, to the moderators.
func (s *Service) lobbyBroadcast(r *room, o *occupant) {
	for _, other := range r.lobby.order {
		if other == o || (!s.lobbyModerator(r, o.real) && s.lobbyModerator(r, other.real)) {
			s.deliver(r.lobby.presenceOf(o, other.real))
		}
	}
}

// lobbyLeave removes o from the lobby; o and (for a waiting participant)
// the moderators get its unavailable presence, with codes.
func (s *Service) lobbyLeave(r *room, o *occupant, extra []*dom.Element, codes ...string) {
	l := r.lobby
	waiting := !s.lobbyModerator(r, o.real)
	for _, other := range l.order {
		if other == o || (waiting && s.lobbyModerator(r, other.real)) {
			s.deliver(l.unavailableOf(o, other.real, extra, codes...))
		}
	}
	l.remove(o)
}

// closeLobby ends r's lobby room: every occupant gets the destroy presence,
// with newRoom (the main room, when the lobby is switched off: the waiting
// join it) or without (the meeting is over). keep leaves the lobby on for
// later knocks.
func (s *Service) closeLobby(r *room, newRoom, reason string, keep bool) {
	l := r.lobby
	if l == nil {
		return
	}
	for _, o := range l.order {
		p := dom.New(ns.Client, "presence")
		p.SetAttr("type", "unavailable").SetAttr("from", l.occupantJID(o.nick)).SetAttr("to", o.real.String())
		x := p.AddNew(ns.MUCUser, "x")
		x.AddNew(ns.MUCUser, "item").SetAttr("affiliation", affNone).SetAttr("role", roleNone)
		x.AddNew(ns.MUCUser, "status").SetAttr("code", statusSelf)
		d := x.AddNew(ns.MUCUser, "destroy")
		if newRoom != "" {
			d.SetAttr("jid", newRoom)
		}
		d.AddNew(ns.MUCUser, "reason").SetText(reason)
		s.deliver(p)
	}
	r.lobby = nil
	if keep {
		r.lobby = s.newLobby(r)
	}
	s.log.Info("lobby room closed", "room", r.jid.String(), "waiting", len(l.order))
}
