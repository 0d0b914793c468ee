package bridge

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
)

// countingConn counts datagrams; each Write takes delay.
type countingConn struct {
	n     atomic.Int64
	delay time.Duration
}

func (c *countingConn) Write(b []byte) (int, error) {
	if c.delay > 0 {
		time.Sleep(c.delay)
	}
	c.n.Add(1)
	return len(b), nil
}

func testWriter(t *testing.T, e *endpoint, conn *countingConn) *writer {
	t.Helper()
	enc, err := srtp.CreateContext(make([]byte, 16), make([]byte, 12), srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		t.Fatal(err)
	}
	w := newWriter(e, enc, conn)
	e.out.Store(w)
	return w
}

// TestBusyReceiverDoesNotBlock: while another goroutine holds a receiver's
// writer, a sender's packets for it wait in its bounded queue (overflow
// dropped and counted), the sender goes on, other receivers get every
// packet at once, and the queue is sent when the writer is free again.
func TestBusyReceiverDoesNotBlock(t *testing.T) {
	c, eps := testConference("a", "b", "c")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	giveVideo(c, eps["a"], 1)
	bConn, cConn := &countingConn{}, &countingConn{}
	wb := testWriter(t, eps["b"], bConn)
	testWriter(t, eps["c"], cConn)
	pkt := rtpPacket(t, 11, 111, 0)
	route := eps["a"].ingress.Load().ssrcs[11]
	qcap := cap(eps["b"].sendQ)
	wb.mu.Lock() // b's writer is busy
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range qcap + 5 {
			eps["a"].forward(pkt, route, time.Now())
		}
	}()
	select {
	case <-done:
	case <-time.After(waitTimeout):
		t.Fatal("the sender blocked on a busy receiver")
	}
	if got := cConn.n.Load(); got != int64(qcap+5) {
		t.Fatalf("c got %d datagrams, want %d", got, qcap+5)
	}
	if s := eps["a"].b.Stats(); s.QueueDrops != 5 || bConn.n.Load() != 0 {
		t.Fatalf("stats %+v, b sent %d", s, bConn.n.Load())
	}
	wb.mu.Unlock()
	eps["a"].forward(pkt, route, time.Now())
	if got := bConn.n.Load(); got != int64(qcap) {
		t.Fatalf("b got %d datagrams after its writer was free, want %d", got, qcap)
	}
}

// TestConcurrentSendersLoseNothing: senders pushing to one receiver at the
// same time (each write slow enough to overlap) leave nothing behind in
// its queue.
func TestConcurrentSendersLoseNothing(t *testing.T) {
	_, eps := testConference("r")
	r := eps["r"]
	r.sendQ = make(chan *outPacket, 512)
	conn := &countingConn{delay: 20 * time.Microsecond}
	testWriter(t, r, conn)
	const senders, each = 4, 100
	var wg sync.WaitGroup
	for range senders {
		wg.Go(func() {
			pkt := rtpPacket(t, 11, 111, 0)
			for range each {
				r.enqueue(pkt, false)
			}
		})
	}
	wg.Wait()
	if got := conn.n.Load(); got != senders*each || len(r.sendQ) != 0 {
		t.Fatalf("sent %d of %d, %d left queued", got, senders*each, len(r.sendQ))
	}
}

// TestUDPSink: datagrams go to the selected remote address, follow a new
// selection, and fail (without blocking) before there is one.
func TestUDPSink(t *testing.T) {
	listen := func() *net.UDPConn {
		c, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = c.Close() })
		return c
	}
	local, r1, r2 := listen(), listen(), listen()
	s, err := newUDPSink(local)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write([]byte("x")); err == nil {
		t.Fatal("write without a remote address succeeded")
	}
	buf := make([]byte, 16)
	for i, r := range []*net.UDPConn{r1, r2} {
		ap := r.LocalAddr().(*net.UDPAddr).AddrPort()
		if !s.setRemote(netip.AddrPortFrom(netip.AddrFrom16(ap.Addr().As16()), ap.Port())) { // v4-mapped form
			t.Fatal("setRemote refused an IPv4 peer")
		}
		if _, err := s.Write([]byte{byte(i)}); err != nil {
			t.Fatal(err)
		}
		_ = r.SetReadDeadline(time.Now().Add(waitTimeout))
		n, err := r.Read(buf)
		if err != nil || n != 1 || buf[0] != byte(i) {
			t.Fatalf("remote %d read %v %v", i, buf[:n], err)
		}
	}
	if s.setRemote(netip.MustParseAddrPort("[::1]:5000")) {
		t.Fatal("an IPv4 socket accepted an IPv6 peer")
	}
}

// TestUDPSinkFamily: the sink learns its socket's address family (getsockname, portable) and sends to an
// IPv4 peer from a dual-stack wildcard socket and to an IPv6 peer from an IPv6 one.
func TestUDPSinkFamily(t *testing.T) {
	tests := []struct {
		name, network, bind, peerNet, peer string
		inet6                              bool
	}{
		{"ipv4 socket", "udp4", "127.0.0.1:0", "udp4", "127.0.0.1:0", false},
		{"dual-stack wildcard socket, ipv4 peer", "udp", ":0", "udp4", "127.0.0.1:0", true},
		{"ipv6 socket", "udp6", "[::1]:0", "udp6", "[::1]:0", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			local, err := net.ListenPacket(tt.network, tt.bind)
			if err != nil {
				t.Skipf("no %s here: %v", tt.network, err)
			}
			defer local.Close()
			peer, err := net.ListenPacket(tt.peerNet, tt.peer)
			if err != nil {
				t.Skipf("no %s here: %v", tt.peerNet, err)
			}
			defer peer.Close()
			s, err := newUDPSink(local.(*net.UDPConn))
			if err != nil {
				t.Fatal(err)
			}
			if s.inet6 != tt.inet6 {
				t.Fatalf("inet6 = %v, want %v", s.inet6, tt.inet6)
			}
			if !s.setRemote(peer.LocalAddr().(*net.UDPAddr).AddrPort()) {
				t.Fatal("setRemote refused the peer")
			}
			if _, err := s.Write([]byte("hi")); err != nil {
				t.Fatal(err)
			}
			buf := make([]byte, 8)
			_ = peer.SetReadDeadline(time.Now().Add(waitTimeout))
			if n, _, err := peer.ReadFrom(buf); err != nil || string(buf[:n]) != "hi" {
				t.Fatalf("peer read %q, %v", buf[:n], err)
			}
		})
	}
}
