package xmpp

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"sync"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/muc"
)

// Server is the XMPP service: client streams, in-process sessions, the
// router and the MUC domains. It is safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	router *router
	mucs   map[string]*muc.Service
	// components are the in-process components by domain (components.go).
	components     map[string]registered
	componentOrder []string
	login          *loginService
	// hostIDs are the session-ids of hosts\' logins (hostsession.go).
	hostIDs hostSessions
	ctx     context.Context
	cancel  context.CancelFunc

	mu     sync.Mutex
	closed bool
	conns  map[*c2s]struct{}
	// resumable holds stream-managed sessions by resumption token.
	resumable map[string]*smState
	locals    map[*LocalSession]struct{}
	wg        sync.WaitGroup
}

// NewServer validates cfg and returns a server ready to accept streams.
func NewServer(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	login, err := newLoginService(cfg, func(d string) bool { return d == cfg.Domain || d == cfg.AuthDomain })
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{cfg: cfg, log: cfg.Logger, router: newRouter(), ctx: ctx, cancel: cancel, login: login,
		conns: map[*c2s]struct{}{}, locals: map[*LocalSession]struct{}{},
		resumable: map[string]*smState{}}
	if err := s.initMUCs(); err != nil {
		cancel()
		return nil, err
	}
	return s, nil
}

func (s *Server) initMUCs() error {
	creators := make([]string, 0, len(s.cfg.RoomCreators))
	for _, c := range s.cfg.RoomCreators {
		creators = append(creators, jid.MustParse(c).Bare().String())
	}
	fromAuth := func(j jid.JID) bool { return j.Domainpart() == s.cfg.AuthDomain }
	conference := s.conferencePolicy(func(j jid.JID) bool {
		return slices.Contains(creators, j.Bare().String())
	})
	conference.Lobby = muc.LobbyPolicy{Domain: s.cfg.Lobby.Domain, ByDefault: s.cfg.Lobby.ByDefault,
		HostsOnly: s.cfg.Lobby.HostsOnly}
	policies := map[string]muc.Policy{
		s.cfg.MUCDomain:         conference,
		s.cfg.InternalMUCDomain: {MayUse: fromAuth, MayCreate: fromAuth},
	}
	s.mucs = make(map[string]*muc.Service, len(policies))
	for domain, p := range policies {
		m, err := muc.New(domain, localDelivery{s}, p, s.log)
		if err != nil {
			return fmt.Errorf("%w: %w", ErrBadConfig, err)
		}
		s.mucs[domain] = m
	}
	if d := s.cfg.Lobby.Domain; d != "" {
		s.mucs[d] = s.mucs[s.cfg.MUCDomain] // the same service serves the lobby rooms
	}
	return nil
}

// isHost reports whether domain is a host whose users this server serves.
func (s *Server) isHost(domain string) bool {
	return domain == s.cfg.Domain || domain == s.cfg.AuthDomain || (domain != "" && domain == s.cfg.GuestDomain)
}

// begin registers a running stream goroutine unless the server is closed.
func (s *Server) begin() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return false
	}
	s.wg.Add(1)
	return true
}

// Close ends every stream (system-shutdown) and in-process session, and
// waits for their goroutines.
func (s *Server) Close() error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return nil
	}
	s.closed = true
	conns := make([]*c2s, 0, len(s.conns))
	for c := range s.conns {
		conns = append(conns, c)
	}
	locals := make([]*LocalSession, 0, len(s.locals))
	for l := range s.locals {
		locals = append(locals, l)
	}
	s.mu.Unlock()
	s.cancel()
	for _, c := range conns {
		c.fail(condSystemShutdown)
	}
	for _, l := range locals {
		_ = l.Close()
	}
	s.wg.Wait()
	return nil
}

// leaveAll removes a departed session from every room, and with it the
// occupants of the alias domains it served (a component's users).
func (s *Server) leaveAll(j jid.JID, aliases ...string) {
	for _, m := range s.mucs {
		m.Leave(j)
		for _, d := range aliases {
			m.LeaveDomain(d)
		}
	}
}
