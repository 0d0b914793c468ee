package muc

import (
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Router delivers a stanza (to and from set) to the local session named by
// its `to`, or drops it when there is none. It must not block and must not
// call back into the Service.
type Router interface {
	DeliverLocal(st *dom.Element)
}

// Policy decides who may use the service, create and join rooms, and which
// limits apply. Nil functions allow everyone (or, for Owner, Identity and
// Exempt, nobody); zero or negative limits are off.
type Policy struct {
	// MayUse reports whether a sender may address the service at all.
	MayUse func(from jid.JID) bool
	// MayCreate reports whether a sender may create a room that does not exist.
	MayCreate func(from jid.JID) bool
	// MayJoin reports whether a real JID may join the room (a localpart),
	// e.g. whether its token names that room.
	MayJoin func(real jid.JID, room string) bool
	// Owner reports whether a real JID becomes owner when it joins (token
	// moderators, moderator accounts).
	Owner func(real jid.JID) bool
	// Identity returns the identity element the server vouches for (from a
	// token), added to the occupant's presence; clients cannot set their own.
	Identity func(real jid.JID) *dom.Element
	// Member reports whether a real JID enters the room (a localpart) as a
	// member, passing its lobby (appointment clients with direct entry).
	// Nil: nobody.
	Member func(real jid.JID, room string) bool
	// Exempt reports service accounts, which the password, members-only,
	// room size and join rate do not apply to.
	Exempt func(real jid.JID) bool
	// MaxOccupants caps the occupants of a room, exempt ones not counted.
	MaxOccupants int
	// JoinRate and JoinBurst throttle joins per room (per second); joins
	// over the rate are delayed up to maxJoinWait, then refused.
	JoinRate  float64
	JoinBurst int
	// Source returns the network address a real JID connects from, the key
	// of the per-address limits on password guesses and lobby knocks; nil
	// or "" means the bare JID.
	Source func(real jid.JID) string
	// Lobby configures the lobby rooms (docs/lobby.md); the zero value
	// serves none.
	Lobby LobbyPolicy
	// ModeratorFeatures are the client features a moderator may use, told
	// to each moderator in its own presence (permissions.go); nil: none.
	ModeratorFeatures map[string]bool
}

// Service is one MUC domain. It is safe for concurrent use.
type Service struct {
	domain jid.JID
	router Router
	policy Policy
	log    *slog.Logger
	now    func() time.Time

	lobby jid.JID // lobby service domain; zero when there is none
	guard *guard  // per-address limits on password guesses and knocks

	mu        sync.Mutex
	rooms     map[string]*room
	replaying bool // a throttled join is being handled again
	hooks     []Hook
	roomInfo  []RoomInfo
}

// New returns the MUC service for domain, delivering through r.
func New(domain string, r Router, p Policy, log *slog.Logger) (*Service, error) {
	if r == nil {
		return nil, ErrNoRouter
	}
	d, err := jid.Parse(domain)
	if err != nil || domain == "" || d.Localpart() != "" || d.Resourcepart() != "" {
		return nil, fmt.Errorf("%w: %q", ErrBadDomain, domain)
	}
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	s := &Service{domain: d, router: r, policy: p, log: log.With("muc", domain),
		now: time.Now, rooms: make(map[string]*room), guard: newGuard()}
	if p.Lobby.Domain != "" {
		l, err := jid.Parse(p.Lobby.Domain)
		if err != nil || l.Localpart() != "" || l.Resourcepart() != "" || l.Equal(d) {
			return nil, fmt.Errorf("%w: lobby %q", ErrBadDomain, p.Lobby.Domain)
		}
		s.lobby = l
	}
	return s, nil
}

// Domain returns the service domain.
func (s *Service) Domain() string { return s.domain.String() }

// Rooms returns the number of live rooms.
func (s *Service) Rooms() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.rooms)
}

// Occupants returns the nicks present in room (a localpart), in join order.
func (s *Service) Occupants(room string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil
	}
	nicks := make([]string, 0, len(r.order))
	for _, o := range r.order {
		nicks = append(nicks, o.nick)
	}
	return nicks
}

// Handle processes a stanza addressed to this domain. Its `from` must be the
// sender's real full JID, stamped by the server.
func (s *Service) Handle(st *dom.Element) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.handleLocked(st)
}

func (s *Service) handleLocked(st *dom.Element) {
	from, err := jid.Parse(st.Attr("from"))
	if err != nil {
		return
	}
	to, err := jid.Parse(st.Attr("to"))
	if err != nil {
		s.reject(st, stanza.JIDMalformed, "")
		return
	}
	if s.policy.MayUse != nil && !s.policy.MayUse(from) {
		s.reject(st, stanza.ServiceUnavailable, "")
		return
	}
	if s.isLobby(to) {
		s.handleLobby(st, from, to)
		return
	}
	if to.Localpart() == "" {
		s.handleService(st)
		return
	}
	s.handleRoom(st, from, to)
}

// Leave removes the real JID from every room, as an unavailable presence
// would, when its session ends.
func (s *Service) Leave(real jid.JID) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rooms {
		if r.lobby != nil {
			if o := r.lobby.byReal(real); o != nil {
				s.lobbyLeave(r, o, nil)
			}
		}
		if o := r.byReal(real); o != nil {
			s.leave(r, o, nil, nil)
		}
	}
}

// LeaveDomain removes every occupant whose real JID is in domain, as Leave
// does: used when a component whose users joined rooms disconnects.
func (s *Service) LeaveDomain(domain string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rooms {
		for _, o := range slices.Clone(r.order) {
			if o.real.Domainpart() == domain {
				s.leave(r, o, nil, nil)
			}
		}
	}
}

func (s *Service) handleRoom(st *dom.Element, from, to jid.JID) {
	switch st.Local {
	case "presence":
		s.handlePresence(st, from, to)
	case "message":
		s.handleMessage(st, from, to)
	case "iq":
		s.handleIQ(st, from, to)
	}
}

func (s *Service) handleIQ(st *dom.Element, from, to jid.JID) {
	r := s.rooms[to.Localpart()]
	switch {
	case to.Resourcepart() != "":
		s.routePrivate(r, st, from, to)
	case r == nil:
		s.reject(st, stanza.ItemNotFound, "")
	default:
		s.roomIQ(r, st, from)
	}
}

// deliver hands st to the router; called with s.mu held.
func (s *Service) deliver(st *dom.Element) {
	s.router.DeliverLocal(st)
}

// reject answers st with an error when the protocol allows one.
func (s *Service) reject(st *dom.Element, c stanza.Condition, text string) {
	if st.Local == "presence" {
		if t := st.Attr("type"); t == "" {
			s.deliver(presenceError(st, c, text))
		}
		return
	}
	if stanza.MayBounce(st) {
		s.deliver(stanza.Bounce(st, c, text))
	}
}

func presenceError(st *dom.Element, c stanza.Condition, text string) *dom.Element {
	p := stanza.Bounce(st, c, text)
	x := dom.New(ns.MUC, "x")
	p.Children = append([]*dom.Element{x}, p.Children...)
	return p
}
