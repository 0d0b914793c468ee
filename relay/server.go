package relay

import (
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"time"

	pturn "github.com/pion/turn/v5"
)

// Server is the TURN relay. Make it with New, hand it TLS connections with
// Deliver, stop it with Close.
type Server struct {
	cfg    Config
	log    *slog.Logger
	secret []byte
	now    func() time.Time
	pion   *pturn.Server
	quota  *quota
	peers  *peers
	conns  *connSet
	tls    *handoff
	short  *shortcuts     // the bridge's downlink shortcut (downlink.go)
	udp    net.PacketConn // nil without Listen
	tcp    net.Listener   // nil without Listen
	stats  counters
	closed atomic.Bool
}

// counters are the relay's refusal and traffic counts.
type counters struct {
	authRefused  atomic.Uint64 // requests with missing, expired or forged credentials
	quotaRefused atomic.Uint64 // allocations refused for a per-user or per-IP quota
	peerRefused  atomic.Uint64 // permissions or datagrams to/from addresses other than the bridge
	connRefused  atomic.Uint64 // stream connections over the per-IP cap
	allocations  atomic.Int64  // live allocations
}

// Stats is a snapshot of the relay's counters.
type Stats struct {
	AuthRefused, QuotaRefused, PeerRefused, ConnRefused uint64
	Allocations                                         int64
}

// New binds Listen (UDP and TCP, when set) and starts the TURN server.
func New(cfg Config) (*Server, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	s := &Server{cfg: cfg, log: cfg.Logger, now: time.Now, quota: newQuota(cfg.PerUser, cfg.PerIP)}
	s.secret = cfg.Secret
	if len(s.secret) == 0 {
		s.secret = make([]byte, 32)
		_, _ = rand.Read(s.secret)
	}
	s.peers = &peers{list: cfg.Peers, refused: &s.stats.peerRefused}
	s.conns = newConnSet(cfg.ConnsPerIP, cfg.StreamIdle, &s.stats.connRefused)
	s.tls = newHandoff(s.conns)
	if err := s.listen(); err != nil {
		return nil, err
	}
	s.short = newShortcuts(cfg, s.peers, s.udp)
	p, err := pturn.NewServer(s.pionConfig())
	if err != nil {
		s.closeListeners()
		return nil, fmt.Errorf("relay: %w", err)
	}
	s.pion = p
	return s, nil
}

func (s *Server) listen() error {
	if s.cfg.Listen == "" {
		return nil
	}
	// Port 0 picks a free UDP port and TCP takes the same one, which
	// another program may hold: then another free UDP port is tried.
	tries := 1
	if _, port, err := net.SplitHostPort(s.cfg.Listen); err == nil && port == "0" {
		tries = 5
	}
	var err error
	for range tries {
		if err = s.listenPair(); err == nil || !errors.Is(err, syscall.EADDRINUSE) {
			break
		}
	}
	return err
}

// listenPair opens the UDP listener and a TCP listener on the same port.
func (s *Server) listenPair() error {
	udp, err := net.ListenPacket("udp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("relay: listen udp %s: %w", s.cfg.Listen, err)
	}
	tcp, err := net.Listen("tcp", udp.LocalAddr().String())
	if err != nil {
		_ = udp.Close()
		return fmt.Errorf("relay: listen tcp %s: %w", s.cfg.Listen, err)
	}
	s.udp, s.tcp = udp, &capListener{Listener: tcp, set: s.conns}
	return nil
}

func (s *Server) pionConfig() pturn.ServerConfig {
	bind := "0.0.0.0"
	if s.cfg.RelayBind.IsValid() {
		bind = s.cfg.RelayBind.String()
	}
	gen := func() *relayAddresses {
		return &relayAddresses{p: s.peers, up: s.cfg.Uplink, RelayAddressGeneratorStatic: pturn.RelayAddressGeneratorStatic{
			RelayAddress: net.IP(s.cfg.RelayIP.AsSlice()), Address: bind}}
	}
	c := pturn.ServerConfig{
		Realm:              s.cfg.Realm,
		AuthHandler:        s.authenticate,
		QuotaHandler:       s.allowAllocation,
		EventHandler:       s.events(),
		AllocationLifetime: s.cfg.AllocationLifetime,
		LoggerFactory:      &pionLogs{log: s.log},
		ListenerConfigs: []pturn.ListenerConfig{{
			Listener: s.tls, RelayAddressGenerator: gen(), PermissionHandler: s.peers.allowsIP}},
	}
	if s.udp != nil {
		c.PacketConnConfigs = []pturn.PacketConnConfig{{
			PacketConn: s.udp, RelayAddressGenerator: gen(), PermissionHandler: s.peers.allowsIP}}
		c.ListenerConfigs = append(c.ListenerConfigs, pturn.ListenerConfig{
			Listener: s.tcp, RelayAddressGenerator: gen(), PermissionHandler: s.peers.allowsIP})
	}
	return c
}

func (s *Server) allowAllocation(user, _ string, src net.Addr) bool {
	if s.quota.allow(user, src) {
		return true
	}
	if n := s.stats.quotaRefused.Add(1); n&(n-1) == 0 { // 1st, 2nd, 4th… refusal
		s.log.Warn("relay: allocation quota reached", "ip", addrIP(src).String(), "refused_total", n)
	}
	return false
}

func (s *Server) events() pturn.EventHandler {
	return pturn.EventHandler{
		OnAuth: func(_, _ net.Addr, _, _, _ string, _ string, ok bool) {
			if !ok {
				s.stats.authRefused.Add(1)
			}
		},
		OnAllocationCreated: func(src, dst net.Addr, proto, user, _ string, relayed net.Addr, _ int) {
			s.quota.created(user, src)
			s.stats.allocations.Add(1)
			s.short.created(src, dst, proto, relayed)
		},
		OnAllocationDeleted: func(src, dst net.Addr, _, user, _ string) {
			s.quota.deleted(user, src)
			s.stats.allocations.Add(-1)
			s.short.deleted(src, dst)
		},
		OnChannelCreated: func(_, _ net.Addr, _, _, _ string, relayed, peer net.Addr, n uint16) {
			s.short.channel(relayed, peer, n)
		},
		OnChannelDeleted: func(_, _ net.Addr, _, _, _ string, relayed, peer net.Addr, _ uint16) {
			s.short.channel(relayed, peer, 0)
		},
	}
}

// Deliver hands the server a TURN-over-TLS connection (already past the
// handshake, first bytes intact); it returns at once and owns c from then.
func (s *Server) Deliver(c net.Conn) {
	if s.closed.Load() {
		_ = c.Close()
		return
	}
	go s.tls.deliver(c)
}

// Addr is the UDP and TCP listening address (nil without Listen).
func (s *Server) Addr() *netip.AddrPort {
	if s.udp == nil {
		return nil
	}
	ap := s.udp.LocalAddr().(*net.UDPAddr).AddrPort()
	return &ap
}

// Stats returns the current counters.
func (s *Server) Stats() Stats {
	return Stats{AuthRefused: s.stats.authRefused.Load(), QuotaRefused: s.stats.quotaRefused.Load(),
		PeerRefused: s.stats.peerRefused.Load(), ConnRefused: s.stats.connRefused.Load(),
		Allocations: s.stats.allocations.Load()}
}

// Close stops the server, its listeners, connections and allocations.
func (s *Server) Close() error {
	if s.closed.Swap(true) {
		return nil
	}
	err := s.pion.Close() // closes the listeners and packet conns
	s.conns.closeAll()
	if errors.Is(err, net.ErrClosed) {
		err = nil
	}
	return err
}

func (s *Server) closeListeners() {
	_ = s.tls.Close()
	if s.udp != nil {
		_ = s.udp.Close()
		_ = s.tcp.Close()
	}
}
