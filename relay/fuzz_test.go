package relay

import (
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v4"
)

// FuzzParseUsername: any TURN username parses without panic, and whatever
// parses has a positive expiry and a user part free of colons' ambiguity
// (the part after the first colon) within the length bound.
func FuzzParseUsername(f *testing.F) {
	for _, s := range []string{"1767312000:alice", "1767312000", ":x", "0:x", "-5:x", "99999999999999999999:x", "1:a:b", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		exp, user, ok := parseUsername(name)
		if !ok {
			return
		}
		if exp.Unix() <= 0 || user == "" || len(user) > maxUserLen {
			t.Fatalf("%q parsed to %v %q", name, exp, user)
		}
	})
}

// FuzzRelayInput sends arbitrary datagrams and stream bytes (STUN, TURN,
// ChannelData or garbage) to a running relay: it must not panic, and a
// client with a good credential is still served afterwards.
func FuzzRelayInput(f *testing.F) {
	bind := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
	alloc := stun.MustBuild(stun.TransactionID, stun.NewType(stun.MethodAllocate, stun.ClassRequest),
		stun.NewUsername("1:x"), stun.NewRealm("localhost"), stun.NewNonce("n"))
	f.Add(bind.Raw)
	f.Add(alloc.Raw)
	f.Add([]byte{0x40, 0x00, 0x00, 0x04, 1, 2, 3, 4}) // ChannelData without a channel
	f.Add([]byte{0x00, 0x01, 0xFF, 0xFF, 0x21, 0x12, 0xA4, 0x42})
	f.Add([]byte{})
	bridge, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		f.Fatal(err)
	}
	defer bridge.Close()
	s, err := New(Config{Realm: "localhost", Listen: "127.0.0.1:0", RelayIP: mustAddr("127.0.0.1"),
		Peers: []Peer{{Public: bridge.LocalAddr().(*net.UDPAddr).AddrPort(), Local: bridge.LocalAddr().(*net.UDPAddr).AddrPort()}}})
	if err != nil {
		f.Fatal(err)
	}
	defer s.Close()
	addr := s.Addr().String()
	f.Fuzz(func(t *testing.T, data []byte) {
		u, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = u.Write(data)
		_ = u.Close()
		c, err := net.DialTimeout("tcp", addr, 5*time.Second)
		if err != nil {
			t.Fatalf("relay stopped accepting: %v", err)
		}
		_, _ = c.Write(data)
		_ = c.Close()
		// The relay still answers a binding request.
		probe, err := net.Dial("udp", addr)
		if err != nil {
			t.Fatal(err)
		}
		defer probe.Close()
		m := stun.MustBuild(stun.TransactionID, stun.BindingRequest)
		buf := make([]byte, 1500)
		for range 5 {
			_, _ = probe.Write(m.Raw)
			_ = probe.SetReadDeadline(time.Now().Add(time.Second))
			if n, err := probe.Read(buf); err == nil && stun.IsMessage(buf[:n]) {
				return
			}
		}
		t.Fatal("relay no longer answers a binding request")
	})
}

func mustAddr(s string) netip.Addr { return netip.MustParseAddr(s) }
