package bridge

import (
	"bytes"
	"errors"
	"net"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// readResult is one read of the gate.
type readResult struct {
	data []byte
	from netip.AddrPort
	err  error
}

// gateReader reads g in a goroutine, as pion's mux does, until the socket closes.
func gateReader(g stunGate) <-chan readResult {
	out := make(chan readResult, 512)
	go func() {
		defer close(out)
		buf := make([]byte, 2048)
		for {
			n, ap, err := g.ReadFromAddrPort(buf)
			out <- readResult{append([]byte(nil), buf[:n]...), ap, err}
			if err != nil {
				return
			}
		}
	}()
	return out
}

func next(t *testing.T, c <-chan readResult) readResult {
	t.Helper()
	select {
	case r := <-c:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the reader got nothing")
	}
	return readResult{}
}

// TestRelayInbox: datagrams pushed by the in-process relay wake the mux's
// reader blocked on the media socket and arrive with the relay address as
// their source (IPv4-mapped on a dual-stack socket, as the kernel reports
// it); the socket's own datagrams still arrive; STUN the gate must discard
// is discarded on this path too; a full inbox, an oversized datagram and
// an IPv6 source on an IPv4 socket are declined (the relay then sends).
func TestRelayInbox(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, tc := range []struct {
		name, listen string
		wantFrom     string
	}{
		{"ipv4 socket", "127.0.0.1:0", "127.0.0.1:3478"},
		{"dual-stack socket", "[::]:0", "[::ffff:127.0.0.1]:3478"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			udp, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.MustParseAddrPort(tc.listen)))
			if err != nil {
				t.Skip(err)
			}
			in, err := newRelayInbox(udp)
			if err != nil {
				t.Fatal(err)
			}
			var dropped int
			reads := gateReader(stunGate{UDPConn: udp, inbox: in, dropped: func() { dropped++ }})
			from := netip.MustParseAddrPort("127.0.0.1:3478")
			for i := range 3 { // each push finds the reader blocked on the socket
				time.Sleep(50 * time.Millisecond)
				msg := []byte{0x80, byte(i), 1, 2}
				if !in.put(msg, from) {
					t.Fatal("push declined")
				}
				r := next(t, reads)
				if r.err != nil || !bytes.Equal(r.data, msg) || r.from.String() != tc.wantFrom {
					t.Fatalf("read %x from %v (%v), want %x from %s", r.data, r.from, r.err, msg, tc.wantFrom)
				}
			}
			if in.put(make([]byte, inboxSlotSize+1), from) {
				t.Error("took an oversized datagram")
			}
			if tc.name == "ipv4 socket" && in.put([]byte{1}, netip.MustParseAddrPort("[2001:db8::1]:9")) {
				t.Error("took an IPv6 source for an IPv4 socket")
			}
			// The socket's own traffic, then a STUN message the gate drops.
			peer, err := net.DialUDP("udp", nil, &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: udp.LocalAddr().(*net.UDPAddr).Port})
			if err != nil {
				t.Fatal(err)
			}
			defer peer.Close()
			if _, err := peer.Write([]byte("direct")); err != nil {
				t.Fatal(err)
			}
			if r := next(t, reads); string(r.data) != "direct" {
				t.Fatalf("socket read %q, %v", r.data, r.err)
			}
			bad := make([]byte, stunHeaderLen) // STUN without FINGERPRINT
			bad[1], bad[4], bad[5], bad[6], bad[7] = 1, 0x21, 0x12, 0xA4, 0x42
			in.put(bad, from)
			in.put([]byte("after"), from)
			if r := next(t, reads); string(r.data) != "after" || dropped != 1 {
				t.Fatalf("read %q after a bad STUN message (%d dropped), want it dropped", r.data, dropped)
			}
			_ = udp.Close()
			if r := next(t, reads); !errors.Is(r.err, net.ErrClosed) {
				t.Fatalf("after close: %v", r.err)
			}
		})
	}
}

// TestRelayInboxFull: a full inbox declines; the reader then drains it in order.
func TestRelayInboxFull(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	in, err := newRelayInbox(udp)
	if err != nil {
		t.Fatal(err)
	}
	from := netip.MustParseAddrPort("127.0.0.1:3478")
	for i := range inboxSlots {
		if !in.put([]byte{byte(i)}, from) {
			t.Fatalf("push %d declined", i)
		}
	}
	if in.put([]byte{0}, from) {
		t.Fatal("a full inbox took a datagram")
	}
	reads := gateReader(stunGate{UDPConn: udp, inbox: in, dropped: func() {}})
	for i := range inboxSlots {
		if r := next(t, reads); r.err != nil || len(r.data) != 1 || r.data[0] != byte(i) {
			t.Fatalf("read %d: %x, %v", i, r.data, r.err)
		}
	}
	if !in.put([]byte{9}, from) {
		t.Fatal("a drained inbox declined")
	}
	if r := next(t, reads); len(r.data) != 1 || r.data[0] != 9 {
		t.Fatalf("read %x", r.data)
	}
	_ = udp.Close()
	for range reads {
	}
}

// TestRelayInboxAllocations: pushing and taking allocate nothing once the
// slots exist (the uplink hot path).
func TestRelayInboxAllocations(t *testing.T) {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer udp.Close()
	in, err := newRelayInbox(udp)
	if err != nil {
		t.Fatal(err)
	}
	g := stunGate{UDPConn: udp, inbox: in, dropped: func() {}}
	from := netip.MustParseAddrPort("127.0.0.1:3478")
	pkt, buf := make([]byte, 1100), make([]byte, 1500)
	pkt[0] = 0x80
	in.put(pkt, from)
	_, _, _ = g.ReadFromAddrPort(buf)
	if a := testing.AllocsPerRun(200, func() {
		in.put(pkt, from)
		if n, _, err := g.ReadFromAddrPort(buf); err != nil || n != len(pkt) {
			t.Fatalf("read %d, %v", n, err)
		}
	}); a != 0 {
		t.Errorf("%.1f allocations per relayed datagram, want 0", a)
	}
}
