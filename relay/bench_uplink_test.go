package relay

import (
	"net"
	"sync/atomic"
	"testing"
	"time"
)

// BenchmarkRelayedUplink is the other direction: a client sends SRTP
// packets to the bridge, directly or through its UDP allocation (ChannelData
// written on its own socket, as cheap as a browser's send), and the bridge
// stand-in reads and decrypts them. This direction has no shortcut: the
// relay receives from the client and sends to the bridge's socket. Run:
//
//	go test -run '^$' -bench RelayedUplink -v ./relay
func BenchmarkRelayedUplink(b *testing.B) {
	var cost [2]float64
	for m, mode := range []string{"direct", "relayed"} {
		b.Run(mode, func(b *testing.B) { cost[m] = benchUplink(b, m == 1) })
	}
	if cost[0] > 0 {
		b.Logf("uplink: CPU per packet direct %.0f ns, relayed %.0f ns: relayed/direct = %.2f", cost[0], cost[1], cost[1]/cost[0])
	}
}

func benchUplink(b *testing.B, viaRelay bool) float64 {
	bridge, err := net.ListenPacket("udp4", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	defer bridge.Close()
	var unused, got atomic.Int64
	e := benchEndpoint(b, bridge, viaRelay, &unused)
	defer e.cleanup()
	send := func(pkt []byte) error { _, err := e.raw.WriteTo(pkt, bridge.LocalAddr()); return err }
	if viaRelay {
		a := e.srv.short.byRelay[uint16(e.to.(*net.UDPAddr).Port)]
		if a == nil || a.channel.Load() == 0 {
			b.Fatal("no channel bound to the bridge")
		}
		ch, turn := a.channel.Load(), e.srv.udp.LocalAddr()
		frame := make([]byte, 0, 1600)
		send = func(pkt []byte) error {
			frame = append(frame[:0], byte(ch>>8), byte(ch), byte(len(pkt)>>8), byte(len(pkt)))
			_, err := e.raw.WriteTo(append(frame, pkt...), turn)
			return err
		}
	}
	dec := benchSRTP(b)
	go func() { // the bridge's read and decrypt
		buf := make([]byte, 1500)
		plain := make([]byte, 0, 1500)
		for {
			n, _, err := bridge.ReadFrom(buf)
			if err != nil {
				return
			}
			if _, err := dec.DecryptRTP(plain[:0], buf[:n], nil); err == nil {
				got.Add(1)
			}
		}
	}()
	enc := benchSRTP(b)
	plain := make([]byte, 1100)
	plain[0], plain[1] = 0x80, 96
	sealed := make([]byte, 0, 1500)
	const window = 64
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
