package bridge

import (
	"net"
	"net/netip"
	"testing"
	"time"
)

// fakeRelay takes the datagrams for one address while take is set.
type fakeRelay struct {
	take bool
	got  [][]byte
}

func (f *fakeRelay) Write(p []byte) (bool, error) {
	if !f.take {
		return false, nil
	}
	f.got = append(f.got, append([]byte(nil), p...))
	return true, nil
}

// TestSinkLocalRelay: a sink aimed at an allocation of the in-process relay
// hands datagrams to the relay's writer; when the writer declines, or the
// remote is not an allocation, they go out on the socket.
func TestSinkLocalRelay(t *testing.T) {
	sock, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer sock.Close()
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	relayed := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	fake := &fakeRelay{take: true}
	s, err := newUDPSink(sock)
	if err != nil {
		t.Fatal(err)
	}
	s.relay.lookup = func(ap netip.AddrPort) RelayWriter {
		if ap == relayed {
			return fake
		}
		return nil
	}
	s.setRemote(relayed)
	if _, err := s.Write([]byte("one")); err != nil {
		t.Fatal(err)
	}
	if len(fake.got) != 1 || string(fake.got[0]) != "one" {
		t.Fatalf("relay writer got %q, want [one]", fake.got)
	}
	fake.take = false // e.g. no channel bound yet: the socket carries it
	if _, err := s.Write([]byte("two")); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 10)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	if n, _, err := peer.ReadFrom(buf); err != nil || string(buf[:n]) != "two" {
		t.Fatalf("socket delivered %q, %v; want two", buf[:n], err)
	}
	s.setRemote(netip.MustParseAddrPort("127.0.0.1:9")) // no allocation
	fake.take = true
	if _, err := s.Write([]byte("three")); err != nil {
		t.Fatal(err)
	}
	if len(fake.got) != 1 {
		t.Errorf("relay writer took a datagram for an address that is no allocation: %q", fake.got)
	}
}
