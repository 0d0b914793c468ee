package relay

import (
	"net"
	"net/netip"
	"sync/atomic"
	"testing"
	"time"
)

// fakeUplink stands in for the bridge's receive path (bridge.DeliverRelayed).
type fakeUplink struct {
	take atomic.Bool
	got  chan uplinkDatagram
}

type uplinkDatagram struct {
	data string
	from netip.AddrPort
}

func (f *fakeUplink) DeliverRelayed(p []byte, from netip.AddrPort) bool {
	if !f.take.Load() {
		return false
	}
	select {
	case f.got <- uplinkDatagram{string(p), from}:
	default:
	}
	return true
}

// TestUplink: with an Uplink, what a client relays to the bridge is handed
// to it with the source address the bridge sees on the kernel path (the
// relay socket's, for a bound and a wildcard relay address, over UDP, TCP
// and TLS to the TURN server), nothing reaches the bridge's socket, and the
// bridge's answer to that source reaches the client from the bridge's
// public address. When the uplink declines, the datagram goes on the wire.
func TestUplink(t *testing.T) {
	for _, bind := range []string{"127.0.0.1", "wildcard"} {
		for _, transport := range []string{"udp", "tcp", "tls"} {
			t.Run(bind+"/"+transport, func(t *testing.T) { testUplink(t, bind, transport) })
		}
	}
}

func testUplink(t *testing.T, bind, transport string) {
	bridge := listenUDP(t)
	public := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), 10000)
	up := &fakeUplink{got: make(chan uplinkDatagram, 16)}
	s := testRelay(t, bridge, func(c *Config) {
		c.Peers = []Peer{{Public: public, Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}
		c.Uplink = up
		if bind == "wildcard" {
			c.RelayBind = netip.Addr{}
		}
	})
	cred := s.Credential("alice", time.Now())
	relayed := allocate(t, dial(t, s, transport, cred.Username, cred.Password))
	buf := make([]byte, 100)
	var kernel netip.AddrPort // the source the bridge sees without the shortcut
	for deadline := time.Now().Add(waitTimeout); !kernel.IsValid(); {
		if time.Now().After(deadline) {
			t.Fatal("nothing relayed to the bridge's socket")
		}
		_, _ = relayed.WriteTo([]byte("kernel"), net.UDPAddrFromAddrPort(public))
		_ = bridge.SetReadDeadline(time.Now().Add(time.Second))
		if n, a, err := bridge.ReadFrom(buf); err == nil && string(buf[:n]) == "kernel" {
			kernel = a.(*net.UDPAddr).AddrPort()
		}
	}
	up.take.Store(true)
	if _, err := relayed.WriteTo([]byte("shortcut"), net.UDPAddrFromAddrPort(public)); err != nil {
		t.Fatal(err)
	}
	var d uplinkDatagram
	select {
	case d = <-up.got:
	case <-time.After(waitTimeout):
		t.Fatal("the uplink got nothing")
	}
	if d.data != "shortcut" || d.from != kernel {
		t.Fatalf("uplink got %q from %v, want %q from %v (the kernel path's source)", d.data, d.from, "shortcut", kernel)
	}
	_ = bridge.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	for {
		n, _, err := bridge.ReadFrom(buf)
		if err != nil {
			break
		}
		if string(buf[:n]) == "shortcut" {
			t.Fatal("the datagram the uplink took also reached the bridge's socket")
		}
	}
	for deadline := time.Now().Add(waitTimeout); ; {
		if time.Now().After(deadline) {
			t.Fatal("no answer through the relay to the uplink's source")
		}
		_, _ = bridge.WriteTo([]byte("pong"), net.UDPAddrFromAddrPort(d.from))
		_ = relayed.SetReadDeadline(time.Now().Add(time.Second))
		if n, src, err := relayed.ReadFrom(buf); err == nil && string(buf[:n]) == "pong" {
			if src.String() != public.String() {
				t.Fatalf("answer from %v, want %v", src, public)
			}
			return
		}
	}
}

// countUplink takes every datagram and counts it.
type countUplink struct{ n int }

func (c *countUplink) DeliverRelayed([]byte, netip.AddrPort) bool { c.n++; return true }

// TestUplinkAllocations: a datagram the relay socket hands to the uplink
// costs no allocation (the kernel path allocates the destination address).
func TestUplinkAllocations(t *testing.T) {
	bridge, sock := listenUDP(t), listenUDP(t)
	public := netip.MustParseAddrPort("192.0.2.10:10000")
	var refused atomic.Uint64
	up := &countUplink{}
	g := &guardedConn{PacketConn: sock, up: up, p: &peers{refused: &refused,
		list: []Peer{{Public: public, Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}}}
	to, pkt := net.UDPAddrFromAddrPort(public), make([]byte, 1100)
	if _, err := g.WriteTo(pkt, to); err != nil {
		t.Fatal(err)
	}
	if a := testing.AllocsPerRun(200, func() { _, _ = g.WriteTo(pkt, to) }); a != 0 {
		t.Errorf("%.1f allocations per datagram through the uplink, want 0", a)
	}
	if up.n < 200 || refused.Load() != 0 {
		t.Errorf("uplink took %d, %d refused", up.n, refused.Load())
	}
}
