package relay

import (
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/pion/srtp/v3"
	pturn "github.com/pion/turn/v5"
)

// The relay benchmark: a stand-in for the bridge encrypts a 1,100-byte
// RTP packet with SRTP (AES-GCM, as the bridge's writer does) and sends it
// to a client, directly over UDP or through the relay (UDP allocation,
// ChannelData); the client reads it (a raw read and, relayed, a check of
// the 4-byte ChannelData header, as cheap as the direct client's read).
// Relayed is measured two ways: as meetd sends (the bridge's sink hands the
// datagram to the allocation's DownlinkWriter, downlink.go) and through the
// kernel (bridge socket → relay socket → pion's allocation → client), the
// path an out-of-process bridge would take. All run in the same process and
// the same run; the metric is process CPU (user+system, getrusage) per
// packet, client side included, and the log line (-v) gives relayed/direct.
// Run:
//
//	go test -run '^$' -bench RelayedVsDirect -v ./relay
func BenchmarkRelayedVsDirect(b *testing.B) {
	for _, forward := range []bool{false, true} {
		name := "lasthop"
		if forward {
			name = "forwarded"
		}
		var cost [3]float64
		for m, mode := range []string{"direct", "relayed", "relayed-kernel"} {
			b.Run(name+"/"+mode, func(b *testing.B) { cost[m] = benchPath(b, benchMode(m), forward) })
		}
		if cost[0] > 0 {
			b.Logf("%s: CPU per packet direct %.0f ns, relayed %.0f ns (via the kernel %.0f ns): relayed/direct = %.2f (via the kernel %.2f)",
				name, cost[0], cost[1], cost[2], cost[1]/cost[0], cost[2]/cost[0])
		}
	}
}

// benchMode is the path a benchmark packet takes to the client.
type benchMode int

const (
	benchDirect        benchMode = iota // bridge socket → client
	benchRelayed                        // bridge → DownlinkWriter → client, as meetd does
	benchRelayedKernel                  // bridge socket → relay socket → client
)

// benchPath sends b.N packets along one path and returns CPU ns per packet.
// With forward, a sender sends each packet to the bridge's ingress socket
// and the bridge reads, decrypts, re-encrypts and sends it on: the whole
// forwarding of one packet, as the bridge does it for one receiver.
func benchPath(b *testing.B, mode benchMode, forward bool) float64 {
	bridge, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer bridge.Close()
	var got atomic.Int64
	to, srv, cleanup := benchClient(b, bridge, mode != benchDirect, &got)
	defer cleanup()
	out := benchSink(bridge, to, srv, mode)
	send := out
	if forward {
		in, stop := benchIngress(b, out)
		defer stop()
		sender, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		defer sender.Close()
		send = func(pkt []byte) error { _, err := sender.WriteTo(pkt, in); return err }
	}
	enc := benchSRTP(b)
	plain := make([]byte, 1100)
	plain[0], plain[1] = 0x80, 96
	sealed := make([]byte, 0, 1500)
	const window = 64 // packets in flight at most: no drops in socket buffers
	b.ResetTimer()
	start := cpuTime()
	for i := range b.N {
		plain[2], plain[3] = byte(i>>8), byte(i)
		pkt, err := enc.EncryptRTP(sealed[:0], plain, nil)
		if err != nil {
			b.Fatal(err)
		}
		if err := send(pkt); err != nil {
			b.Fatal(err)
		}
		for int64(i+1)-got.Load() > window {
			time.Sleep(10 * time.Microsecond)
		}
	}
	for deadline := time.Now().Add(10 * time.Second); got.Load() < int64(b.N) && time.Now().Before(deadline); {
		time.Sleep(100 * time.Microsecond)
	}
	used := cpuTime() - start
	b.StopTimer()
	if got.Load() < int64(b.N)*9/10 {
		b.Fatalf("%d of %d packets arrived", got.Load(), b.N)
	}
	perPacket := float64(used.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perPacket, "cpu-ns/pkt")
	return perPacket
}

// benchSink is how the bridge stand-in sends one packet to the client: on
// its socket, or (benchRelayed) through the allocation's DownlinkWriter
// first, as bridge/sink.go does.
func benchSink(bridge net.PacketConn, to net.Addr, srv *Server, mode benchMode) func([]byte) error {
	send := func(pkt []byte) error { _, err := bridge.WriteTo(pkt, to); return err }
	if mode != benchRelayed {
		return send
	}
	dl := srv.Downlink(to.(*net.UDPAddr).AddrPort())
	if dl == nil {
		panic("relay benchmark: no downlink for the allocation")
	}
	return func(pkt []byte) error {
		if ok, err := dl.Write(pkt); ok {
			return err
		}
		return send(pkt)
	}
}

func benchSRTP(b *testing.B) *srtp.Context {
	c, err := srtp.CreateContext(make([]byte, 16), make([]byte, 12), srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchIngress is the bridge's forwarding stand-in: it reads SRTP packets
// on its own socket, decrypts, re-encrypts and sends them with send.
func benchIngress(b *testing.B, send func([]byte) error) (net.Addr, func()) {
	in, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	dec := benchSRTP(b)
	enc2 := benchSRTP(b) // the receiver's context (its own keys in the bridge)
	go func() {
		buf := make([]byte, 1500)
		plain := make([]byte, 0, 1500)
		sealed := make([]byte, 0, 1500)
		for {
			n, _, err := in.ReadFrom(buf)
			if err != nil {
				return
			}
			p, err := dec.DecryptRTP(plain[:0], buf[:n], nil)
			if err != nil {
				continue
			}
			s, err := enc2.EncryptRTP(sealed[:0], p, nil)
			if err == nil {
				_ = send(s)
			}
		}
	}()
	return in.LocalAddr(), func() { _ = in.Close() }
}

// benchClient returns where the bridge sends and a cleanup; got counts the
// packets the client receives: on a plain UDP socket, or on a TURN
// allocation of a fresh relay (set up by pion's client, whose socket then
// only counts ChannelData messages).
func benchClient(b *testing.B, bridge net.PacketConn, viaRelay bool, got *atomic.Int64) (net.Addr, *Server, func()) {
	e := benchEndpoint(b, bridge, viaRelay, got)
	return e.to, e.srv, e.cleanup
}

// benchEnd is the client end of a benchmark path.
type benchEnd struct {
	to      net.Addr       // where the bridge sends: the client, or its relayed address
	srv     *Server        // the relay (nil direct)
	raw     net.PacketConn // the client's socket
	cleanup func()
}

func benchEndpoint(b *testing.B, bridge net.PacketConn, viaRelay bool, got *atomic.Int64) benchEnd {
	if !viaRelay {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			b.Fatal(err)
		}
		go func() {
			buf := make([]byte, 1500)
			for {
				if _, _, err := c.ReadFrom(buf); err != nil {
					return
				}
				got.Add(1)
			}
		}()
		return benchEnd{to: c.LocalAddr(), raw: c, cleanup: func() { _ = c.Close() }}
	}
	ap := bridge.LocalAddr().(*net.UDPAddr).AddrPort()
	s, err := New(Config{Realm: "localhost", Listen: "127.0.0.1:0", RelayIP: netip.MustParseAddr("127.0.0.1"),
		RelayBind: netip.MustParseAddr("127.0.0.1"), Peers: []Peer{{Public: ap, Local: ap}}})
	if err != nil {
		b.Fatal(err)
	}
	raw, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	sock := &countingConn{PacketConn: raw, got: got}
	cred := s.Credential("bench", time.Now())
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: s.Addr().String(), STUNServerAddr: s.Addr().String(),
		Username: cred.Username, Password: cred.Password, Realm: "localhost", Conn: sock})
	if err != nil {
		b.Fatal(err)
	}
	if err := cl.Listen(); err != nil {
		b.Fatal(err)
	}
	relayed, err := cl.Allocate()
	if err != nil {
		b.Fatal(err)
	}
	// Permission and channel: the client sends first, as ICE does.
	buf := make([]byte, 1500)
	var relayAddr net.Addr
	for relayAddr == nil {
		_, _ = relayed.WriteTo([]byte("hello"), bridge.LocalAddr())
		_ = bridge.SetReadDeadline(time.Now().Add(time.Second))
		if _, a, err := bridge.ReadFrom(buf); err == nil {
			relayAddr = a
		}
	}
	_ = bridge.SetReadDeadline(time.Time{})
	time.Sleep(200 * time.Millisecond) // the channel binding completes
	sock.counting.Store(true)
	return benchEnd{to: relayAddr, srv: s, raw: raw, cleanup: func() {
		sock.counting.Store(false)
		_ = relayed.Close()
		cl.Close()
		_ = raw.Close()
		_ = s.Close()
	}}
}

// countingConn is the TURN client's socket; once counting, it swallows
// ChannelData messages and counts them instead of handing them to pion.
type countingConn struct {
	net.PacketConn
	got      *atomic.Int64
	counting atomic.Bool
}

func (c *countingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, a, err := c.PacketConn.ReadFrom(b)
		if err != nil || !c.counting.Load() || n < 4 || b[0]&0xC0 != 0x40 {
			return n, a, err
		}
		c.got.Add(1)
	}
}

// cpuTime is the process's user plus system CPU time so far.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
