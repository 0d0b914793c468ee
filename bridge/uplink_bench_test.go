package bridge

import (
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	pturn "github.com/pion/turn/v5"

	"meetd/relay"
)

// BenchmarkRelayedUplink: a client sends SRTP packets (1,100 bytes of
// payload) to the bridge, and the bridge's media socket reader — the
// real one, stunGate with its relay inbox, as pion's UDP mux calls it —
// reads and decrypts them. Four paths in the same run:
//
//   - direct: the client's socket → the media socket;
//   - direct-no-inbox: the same, read without a relay inbox (the reader
//     as it was before the shortcut: the direct path must not get slower);
//   - relayed: ChannelData to the in-process TURN relay (relay.Server, a
//     UDP allocation), which hands the datagram to the bridge's inbox
//     (relay/uplink.go, relayinbox.go): what meetd does;
//   - relayed-kernel: the same relay without the uplink, sending from the
//     allocation's socket to the media socket (before the shortcut; what an
//     out-of-process bridge costs).
//
// The client writes ChannelData on its own socket (as cheap as a
// browser's send). The metric is process CPU (user+system, getrusage) per
// packet, both ends included; -v logs relayed/direct. pion's dispatch to an
// ICE agent after the read is the same on every path and not included. Run:
//
//	go test -run '^$' -bench RelayedUplink -v ./bridge
func BenchmarkRelayedUplink(b *testing.B) {
	var cost [4]float64
	for m, mode := range []string{"direct", "relayed", "relayed-kernel", "direct-no-inbox"} {
		b.Run(mode, func(b *testing.B) { cost[m] = benchUplink(b, m) })
	}
	if cost[0] > 0 {
		b.Logf("uplink: CPU per packet direct %.0f ns (without the inbox %.0f ns), relayed %.0f ns (via the kernel %.0f ns): relayed/direct = %.2f (via the kernel %.2f), direct/direct-no-inbox = %.2f",
			cost[0], cost[3], cost[1], cost[2], cost[1]/cost[0], cost[2]/cost[0], cost[0]/cost[3])
	}
}

// inboxUplink is the relay.Uplink cmd/meetd wires (Bridge.DeliverRelayed)
// for the benchmark's stand-alone inbox.
type inboxUplink struct{ in *relayInbox }

func (u inboxUplink) DeliverRelayed(p []byte, from netip.AddrPort) bool { return u.in.put(p, from) }

func benchUplink(b *testing.B, mode int) float64 {
	udp, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		b.Fatal(err)
	}
	defer udp.Close()
	in, err := newRelayInbox(udp)
	if err != nil {
		b.Fatal(err)
	}
	var seen, got atomic.Int64
	gate := stunGate{UDPConn: udp, inbox: in, dropped: func() {}}
	if mode == 3 {
		gate.inbox = nil
	}
	go benchMediaReader(b, gate, &seen, &got)
	var up relay.Uplink
	if mode == 1 {
		up = inboxUplink{in}
	}
	send, cleanup := benchUplinkClient(b, udp.LocalAddr().(*net.UDPAddr), mode == 1 || mode == 2, up, &seen)
	defer cleanup()
	enc := benchContext(b)
	plain := make([]byte, 1100)
	plain[0], plain[1] = 0x80, 96
	sealed := make([]byte, 0, 1500)
	const window = 64 // packets in flight at most: no drops in socket buffers or the inbox
	b.ResetTimer()
	start := benchCPU()
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
	used := benchCPU() - start
	b.StopTimer()
	if got.Load() < int64(b.N)*9/10 {
		b.Fatalf("%d of %d packets arrived", got.Load(), b.N)
	}
	perPacket := float64(used.Nanoseconds()) / float64(b.N)
	b.ReportMetric(perPacket, "cpu-ns/pkt")
	return perPacket
}

// benchMediaReader reads the media socket as pion's mux does and decrypts.
func benchMediaReader(b *testing.B, g stunGate, seen, got *atomic.Int64) {
	dec := benchContext(b)
	buf := make([]byte, 1500)
	plain := make([]byte, 0, 1500)
	for {
		n, _, err := g.ReadFromAddrPort(buf)
		if err != nil {
			return
		}
		seen.Add(1)
		if _, err := dec.DecryptRTP(plain[:0], buf[:n], nil); err == nil {
			got.Add(1)
		}
	}
}

// benchUplinkClient returns the client's send: to the media socket, or as
// ChannelData through a fresh relay's allocation (set up by pion's TURN
// client; the channel number is taken from the client's first ChannelData).
func benchUplinkClient(b *testing.B, media *net.UDPAddr, viaRelay bool, up relay.Uplink, seen *atomic.Int64) (func([]byte) error, func()) {
	raw, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	if !viaRelay {
		return func(p []byte) error { _, err := raw.WriteTo(p, media); return err }, func() { _ = raw.Close() }
	}
	ap := media.AddrPort()
	s, err := relay.New(relay.Config{Realm: "localhost", Listen: "127.0.0.1:0", RelayIP: netip.MustParseAddr("127.0.0.1"),
		RelayBind: netip.MustParseAddr("127.0.0.1"), Peers: []relay.Peer{{Public: ap, Local: ap}}, Uplink: up})
	if err != nil {
		b.Fatal(err)
	}
	sock := &channelSniffer{PacketConn: raw}
	cred := s.Credential("bench", time.Now())
	turn := s.Addr().String()
	cl, err := pturn.NewClient(&pturn.ClientConfig{TURNServerAddr: turn, STUNServerAddr: turn,
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
	for deadline := time.Now().Add(30 * time.Second); sock.channel.Load() == 0 || seen.Load() == 0; {
		if time.Now().After(deadline) {
			b.Fatal("no channel to the bridge bound")
		}
		_, _ = relayed.WriteTo([]byte("hello"), media)
		time.Sleep(50 * time.Millisecond)
	}
	ch := uint16(sock.channel.Load())
	to := s.Addr()
	dst := net.UDPAddrFromAddrPort(*to)
	frame := make([]byte, 0, 1600)
	send := func(p []byte) error {
		frame = append(frame[:0], byte(ch>>8), byte(ch), byte(len(p)>>8), byte(len(p)))
		_, err := raw.WriteTo(append(frame, p...), dst)
		return err
	}
	return send, func() {
		_ = relayed.Close()
		cl.Close()
		_ = raw.Close()
		_ = s.Close()
	}
}

// channelSniffer is the TURN client's socket; it notes the channel number
// of the first ChannelData the client sends.
type channelSniffer struct {
	net.PacketConn
	channel atomic.Uint32
}

func (c *channelSniffer) WriteTo(p []byte, a net.Addr) (int, error) {
	if len(p) >= 4 && p[0]&0xC0 == 0x40 {
		c.channel.CompareAndSwap(0, uint32(p[0])<<8|uint32(p[1]))
	}
	return c.PacketConn.WriteTo(p, a)
}

// benchCPU is the process's user plus system CPU time so far.
func benchCPU() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
