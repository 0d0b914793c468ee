package relay

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// TestDownlink: the bridge's shortcut into an allocation delivers to pion's
// TURN client as ChannelData from the bridge's public address; it declines
// (and the bridge sends normally) before a channel is bound, for addresses
// that are not an allocation, for TCP/TLS allocations and after the
// allocation is gone.
func TestDownlink(t *testing.T) {
	bridge := listenUDP(t)
	public := netip.AddrPortFrom(netip.MustParseAddr("192.0.2.10"), 10000)
	s := testRelay(t, bridge, func(c *Config) {
		c.Peers = []Peer{{Public: public, Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}
	})
	cred := s.Credential("alice", time.Now())
	t.Run("not an allocation", func(t *testing.T) {
		for _, ap := range []string{"127.0.0.1:9", "198.51.100.1:9", bridge.LocalAddr().String()} {
			if w := s.Downlink(netip.MustParseAddrPort(ap)); w != nil {
				t.Errorf("%s: writer for an address that is no allocation", ap)
			}
		}
	})
	t.Run("tls allocation", func(t *testing.T) {
		relayed := allocate(t, dial(t, s, "tls", cred.Username, cred.Password))
		if w := s.Downlink(relayed.LocalAddr().(*net.UDPAddr).AddrPort()); w != nil {
			t.Error("writer for a TLS allocation: the bridge would block on a stream write")
		}
	})
	relayed := allocate(t, dial(t, s, "udp", cred.Username, cred.Password))
	w := s.Downlink(relayed.LocalAddr().(*net.UDPAddr).AddrPort())
	if w == nil {
		t.Fatal("no writer for the UDP allocation")
	}
	if ok, _ := w.Write([]byte("early")); ok {
		t.Error("took a datagram before a channel to the bridge was bound")
	}
	buf := make([]byte, 100)
	for deadline := time.Now().Add(waitTimeout); ; { // the client's send binds the channel
		if time.Now().After(deadline) {
			t.Fatal("no channel to the bridge bound")
		}
		_, _ = relayed.WriteTo([]byte("ping"), net.UDPAddrFromAddrPort(public))
		if w.a.channel.Load() != 0 {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	got := false
	for deadline := time.Now().Add(waitTimeout); !got && time.Now().Before(deadline); {
		if ok, err := w.Write([]byte("pong")); !ok || err != nil {
			t.Fatalf("write with a channel bound: taken %v, %v", ok, err)
		}
		_ = relayed.SetReadDeadline(time.Now().Add(time.Second))
		n, src, err := relayed.ReadFrom(buf)
		if err == nil && string(buf[:n]) == "pong" {
			got = true
			if src.String() != public.String() {
				t.Errorf("answer from %v, want the bridge's public address %v", src, public)
			}
		}
	}
	if !got {
		t.Fatal("the client got nothing through the downlink")
	}
	_ = relayed.Close() // deallocates
	for deadline := time.Now().Add(waitTimeout); !w.a.gone.Load(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("allocation still live after the client released it")
		}
	}
	if ok, _ := w.Write([]byte("late")); ok {
		t.Error("took a datagram for a deleted allocation")
	}
}
