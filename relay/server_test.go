package relay

import (
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	pturn "github.com/pion/turn/v5"

	"meetd/web"
)

const waitTimeout = 20 * time.Second

// testRelay runs a relay on loopback whose only allowed peer is bridge.
func testRelay(t *testing.T, bridge net.PacketConn, edit ...func(*Config)) *Server {
	t.Helper()
	cfg := Config{Realm: "localhost", Listen: "127.0.0.1:0",
		RelayIP: netip.MustParseAddr("127.0.0.1"), RelayBind: netip.MustParseAddr("127.0.0.1"),
		Peers: []Peer{{Public: bridge.LocalAddr().(*net.UDPAddr).AddrPort(), Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}}
	for _, e := range edit {
		e(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

func listenUDP(t *testing.T) net.PacketConn {
	t.Helper()
	pc, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = pc.Close() })
	return pc
}

// dial connects a pion TURN client over transport ("udp", "tcp" or "tls").
func dial(t *testing.T, s *Server, transport, user, pass string) *pturn.Client {
	t.Helper()
	addr := s.Addr().String()
	var conn net.PacketConn
	switch transport {
	case "udp":
		conn = listenUDP(t)
	case "tcp":
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		conn = pturn.NewSTUNConn(c)
	case "tls":
		conn = pturn.NewSTUNConn(dialTLS(t, s))
	}
	c, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: addr, STUNServerAddr: addr,
		Username: user, Password: pass, Realm: "localhost", Conn: conn, RTO: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Listen(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close(); _ = conn.Close() })
	return c
}

// dialTLS makes a TLS connection whose server side is handed to the relay
// as the web listener does after the handshake.
func dialTLS(t *testing.T, s *Server) net.Conn {
	t.Helper()
	cert, err := web.SelfSigned(t.TempDir(), []string{"localhost"}, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = ln.Close() }()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			s.Deliver(c)
		}
	}()
	c, err := tls.Dial("tcp", ln.Addr().String(), &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // self-signed test certificate
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestRelayToBridge: with a fresh credential a client allocates over UDP,
// TCP and TLS and exchanges datagrams with the bridge address both ways.
func TestRelayToBridge(t *testing.T) {
	for _, transport := range []string{"udp", "tcp", "tls"} {
		t.Run(transport, func(t *testing.T) {
			bridge := listenUDP(t)
			s := testRelay(t, bridge)
			cred := s.Credential("alice", time.Now())
			relayed := allocate(t, dial(t, s, transport, cred.Username, cred.Password))
			exchange(t, relayed, bridge)
			if got := s.Stats().Allocations; got != 1 {
				t.Errorf("allocations %d, want 1", got)
			}
		})
	}
}

func allocate(t *testing.T, c *pturn.Client) net.PacketConn {
	t.Helper()
	relayed, err := c.Allocate()
	if err != nil {
		t.Fatalf("allocate: %v", err)
	}
	t.Cleanup(func() { _ = relayed.Close() })
	return relayed
}

// exchange sends a datagram through the relay to bridge and back.
func exchange(t *testing.T, relayed net.PacketConn, bridge net.PacketConn) {
	t.Helper()
	buf := make([]byte, 1500)
	_ = bridge.SetReadDeadline(time.Now().Add(waitTimeout))
	var from net.Addr
	for from == nil { // the first send may race the permission
		if _, err := relayed.WriteTo([]byte("ping"), bridge.LocalAddr()); err != nil {
			t.Fatalf("send through relay: %v", err)
		}
		_ = bridge.SetReadDeadline(time.Now().Add(time.Second))
		n, a, err := bridge.ReadFrom(buf)
		if err == nil && string(buf[:n]) == "ping" {
			from = a
		} else if !isTimeout(err) {
			t.Fatalf("bridge read: %v", err)
		}
	}
	if from.String() != relayed.LocalAddr().String() {
		t.Errorf("bridge saw %v, relay address is %v", from, relayed.LocalAddr())
	}
	// Answers may race the client's channel binding (ChannelData for a
	// channel it has not confirmed yet is dropped): send until one arrives.
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		if _, err := bridge.WriteTo([]byte("pong"), from); err != nil {
			t.Fatal(err)
		}
		_ = relayed.SetReadDeadline(time.Now().Add(time.Second))
		n, _, err := relayed.ReadFrom(buf)
		if err == nil && string(buf[:n]) == "pong" {
			return
		}
		if err != nil && !isTimeout(err) {
			t.Fatalf("read through relay: %v", err)
		}
	}
	t.Fatal("nothing came back through the relay")
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

// TestCredentialsRefused: no, expired, forged and overlong credentials get no
// allocation (docs/bad-input.md M10), and the relay keeps serving.
func TestCredentialsRefused(t *testing.T) {
	bridge := listenUDP(t)
	s := testRelay(t, bridge)
	good := s.Credential("alice", time.Now())
	expired := s.Credential("alice", time.Now().Add(-2*DefaultCredentialTTL))
	future := s.Credential("alice", time.Now().Add(30*24*time.Hour)) // signed, but beyond the TTL
	tests := []struct{ name, user, pass string }{
		{"none", "", ""},
		{"expired", expired.Username, expired.Password},
		{"forged password", good.Username, "AAAAAAAAAAAAAAAAAAAAAAAAAAA="},
		{"forged expiry", strings.Replace(good.Username, good.Username[:3], "999", 1), good.Password},
		{"beyond ttl", future.Username, future.Password},
		{"no expiry", "alice", good.Password},
		{"other secret", good.Username, sign([]byte("not the secret"), good.Username)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, s, "udp", tc.user, tc.pass)
			if relayed, err := c.Allocate(); err == nil {
				_ = relayed.Close()
				t.Fatal("allocation granted")
			}
		})
	}
	if s.Stats().AuthRefused == 0 {
		t.Error("no refusal counted")
	}
	exchange(t, allocate(t, dial(t, s, "udp", good.Username, good.Password)), bridge)
}

// TestPeerRestricted: an allocation may reach only the bridge's media
// address: a permission for another IP is refused, and datagrams to another
// port of the bridge's IP (or from it) are dropped (M10).
func TestPeerRestricted(t *testing.T) {
	bridge := listenUDP(t)
	other := listenUDP(t) // same IP, another port: e.g. another service on the host
	s := testRelay(t, bridge)
	cred := s.Credential("mallory", time.Now())
	c := dial(t, s, "udp", cred.Username, cred.Password)
	relayed := allocate(t, c)
	for _, ip := range []string{"127.0.0.2", "169.254.169.254", "10.0.0.1"} {
		if err := c.CreatePermission(&net.UDPAddr{IP: net.ParseIP(ip), Port: 53}); err == nil {
			t.Errorf("permission for %s granted", ip)
		}
	}
	for range 3 {
		_, _ = relayed.WriteTo([]byte("probe"), other.LocalAddr())
	}
	_ = other.SetReadDeadline(time.Now().Add(time.Second))
	if n, _, err := other.ReadFrom(make([]byte, 100)); err == nil {
		t.Fatalf("relay delivered %d bytes to a non-bridge port", n)
	}
	exchange(t, relayed, bridge) // the bridge itself still works
	// A datagram from the other port to the relay address is not delivered.
	_, _ = other.WriteTo([]byte("spoof"), relayed.LocalAddr())
	_ = relayed.SetReadDeadline(time.Now().Add(time.Second))
	if n, from, err := relayed.ReadFrom(make([]byte, 100)); err == nil {
		t.Fatalf("relay delivered %d bytes from %v", n, from)
	}
	if s.Stats().PeerRefused == 0 {
		t.Error("no refusal counted")
	}
}

// TestAllocationFlood: 100 allocations for one credential from one address
// get at most the per-user quota; other users from that address up to the
// per-IP quota; allocations freed make room again (M10).
func TestAllocationFlood(t *testing.T) {
	bridge := listenUDP(t)
	s := testRelay(t, bridge, func(c *Config) { c.PerUser, c.PerIP = 4, 10 })
	cred := s.Credential("flood", time.Now())
	var granted []net.PacketConn
	for range 100 {
		c := dial(t, s, "udp", cred.Username, cred.Password)
		if relayed, err := c.Allocate(); err == nil {
			granted = append(granted, relayed)
		}
	}
	if len(granted) != 4 {
		t.Fatalf("%d allocations for one credential, want 4", len(granted))
	}
	for i := range 10 {
		other := s.Credential("user"+string(rune('a'+i)), time.Now())
		if relayed, err := dial(t, s, "udp", other.Username, other.Password).Allocate(); err == nil {
			granted = append(granted, relayed)
		}
	}
	if len(granted) != 10 {
		t.Fatalf("%d allocations from one address, want 10", len(granted))
	}
	if s.Stats().QuotaRefused < 96 {
		t.Errorf("quota refusals %d", s.Stats().QuotaRefused)
	}
	for _, g := range granted {
		_ = g.Close() // deallocates (refresh with lifetime 0)
	}
	deadline := time.Now().Add(waitTimeout)
	for s.Stats().Allocations > 0 && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	exchange(t, allocate(t, dial(t, s, "udp", cred.Username, cred.Password)), bridge)
}

// TestRelayMapsPublicAddress: a client sends to the bridge's advertised
// (public) address; the relay delivers to the bridge's bound address
// without leaving the host, and answers come back from the public one.
func TestRelayMapsPublicAddress(t *testing.T) {
	bridge := listenUDP(t)
	public := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), 10000)
	s := testRelay(t, bridge, func(c *Config) {
		c.Peers = []Peer{{Public: public, Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}
	})
	cred := s.Credential("alice", time.Now())
	relayed := allocate(t, dial(t, s, "udp", cred.Username, cred.Password))
	buf := make([]byte, 100)
	var from net.Addr
	for from == nil {
		_, _ = relayed.WriteTo([]byte("ping"), net.UDPAddrFromAddrPort(public))
		_ = bridge.SetReadDeadline(time.Now().Add(time.Second))
		if n, a, err := bridge.ReadFrom(buf); err == nil && string(buf[:n]) == "ping" {
			from = a
		} else if err != nil && !isTimeout(err) {
			t.Fatal(err)
		}
	}
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		_, _ = bridge.WriteTo([]byte("pong"), from)
		_ = relayed.SetReadDeadline(time.Now().Add(time.Second))
		n, src, err := relayed.ReadFrom(buf)
		if err == nil && string(buf[:n]) == "pong" {
			if src.String() != public.String() {
				t.Fatalf("answer from %v, want %v", src, public)
			}
			return
		}
	}
	t.Fatal("no answer through the relay")
}

// TestTCPAllocationRefused: TCP relays (RFC 6062), which would let a client
// open TCP connections from the server, are not offered (M10).
func TestTCPAllocationRefused(t *testing.T) {
	bridge := listenUDP(t)
	s := testRelay(t, bridge)
	cred := s.Credential("alice", time.Now())
	c := dial(t, s, "tcp", cred.Username, cred.Password)
	if a, err := c.AllocateTCP(); err == nil {
		_ = a.Close()
		t.Fatal("TCP allocation granted")
	}
	exchange(t, allocate(t, dial(t, s, "udp", cred.Username, cred.Password)), bridge)
}

// TestConfigRefused: a relay without relay IP or peers, or with a bad peer, is refused.
func TestConfigRefused(t *testing.T) {
	good := netip.MustParseAddrPort("127.0.0.1:10000")
	tests := []struct {
		name string
		cfg  Config
	}{
		{"no relay ip", Config{Peers: []Peer{{Public: good, Local: good}}}},
		{"no peers", Config{RelayIP: netip.MustParseAddr("127.0.0.1")}},
		{"port 0", Config{RelayIP: netip.MustParseAddr("127.0.0.1"), Peers: []Peer{{Public: netip.MustParseAddrPort("127.0.0.1:0"), Local: good}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if s, err := New(tc.cfg); !errors.Is(err, ErrConfig) {
				if s != nil {
					_ = s.Close()
				}
				t.Fatalf("New = %v, want ErrConfig", err)
			}
		})
	}
}

// TestStreamIdle: a TURN/TCP connection that sends nothing is closed after
// the idle time; the relay serves on.
func TestStreamIdle(t *testing.T) {
	bridge := listenUDP(t)
	s := testRelay(t, bridge, func(c *Config) { c.StreamIdle = 200 * time.Millisecond })
	c, err := net.Dial("tcp", s.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, err := c.Read(make([]byte, 1)); err == nil {
		t.Fatal("idle connection got data instead of being closed")
	} else if isTimeout(err) {
		t.Fatal("idle connection not closed")
	}
	cred := s.Credential("alice", time.Now())
	exchange(t, allocate(t, dial(t, s, "udp", cred.Username, cred.Password)), bridge)
}
