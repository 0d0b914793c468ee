package bridge

import (
	"net"
	"runtime"
	"testing"
	"time"

	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"go.uber.org/goleak"

	"meetd/colibri"
)

// clientHello is a plausible DTLS ClientHello record (epoch 0).
func clientHello(seq uint64) []byte {
	body := make([]byte, 120)
	body[0], body[1] = 0xfe, 0xfd
	return rawDTLSRecord(22, 0, seq, handshakeFragment(1, uint32(len(body)), 0, 0, uint32(len(body)), body))
}

// TestDTLSClientHelloFlood is row M3's flood: ClientHellos from 300 source
// ports that never passed ICE. The bridge answers none (no cookie exchange
// is even needed: DTLS is only read on an endpoint's selected pair), keeps
// no state for them (goroutines level), counts them as unroutable, and the
// call goes on.
func TestDTLSClientHelloFlood(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	hc.connectHostile()
	before, g0 := hc.b.Stats().Unroutable, runtime.NumGoroutine()
	const ports = 300
	socks := make([]*net.UDPConn, ports)
	for i := range socks {
		c, err := net.DialUDP("udp4", nil, hc.b.UDPAddr())
		must(t, err)
		defer c.Close()
		socks[i] = c
		for j := range 3 {
			_, err := c.Write(clientHello(uint64(j)))
			must(t, err)
		}
	}
	eventually(t, "ClientHellos counted", func() bool { return hc.b.Stats().Unroutable >= before+ports*3 })
	answered := 0
	for _, c := range socks {
		answered += responses(c, 10*time.Millisecond)
	}
	if answered != 0 {
		t.Fatalf("%d answers to %d ClientHellos", answered, ports*3)
	}
	if g := runtime.NumGoroutine(); g > g0+5 {
		t.Fatalf("goroutines %d -> %d after the flood", g0, g)
	}
	got := hc.r.received(hc.h.audio)
	hc.sendAudio(1, 960, 20)
	hc.waitForwarded("audio after the flood", got+18)
}

// TestDTLSHostileRecords is row M3 on an endpoint's own selected pair.
// Before the handshake: a flood of ClientHellos (the endpoint's DTLS queue
// is bounded: the excess is dropped and counted), zero-length and
// inconsistent fragments and 1 MB of fragments of a 16 MiB message: memory
// and goroutines stay bounded and the other session goes on (the flooding
// client has spoilt its own handshake: its record numbers ran ahead). After
// a completed handshake the same records, all plaintext epoch 0, are
// ignored: media flows and the bridge channel still opens over the same
// DTLS session.
func TestDTLSHostileRecords(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	t.Run("before the handshake", func(t *testing.T) {
		hc := startHostileCall(t, nil)
		defer hc.stopAll()
		h := hc.h
		h.signal(hc.fc, hc.meeting, h.cert)
		h.connectICE(hc.trs["h"])
		heap0, g0 := heapAfterGC(), runtime.NumGoroutine()
		drops := hc.b.Stats().QueueDrops
		floodRecords(h, 0)
		eventually(t, "DTLS queue overflow counted", func() bool { return hc.b.Stats().QueueDrops > drops })
		t.Logf("%d records dropped by the bounded DTLS queue", hc.b.Stats().QueueDrops-drops)
		if grew := int64(heapAfterGC()) - int64(heap0); grew > 16<<20 {
			t.Fatalf("heap grew %d MiB during the flood", grew>>20)
		}
		if g := runtime.NumGoroutine(); g > g0+5 {
			t.Fatalf("goroutines %d -> %d after the flood", g0, g)
		}
		in := hc.b.Stats().BytesIn
		hc.startReceiverMedia()
		eventually(t, "r's media still read", func() bool { return hc.b.Stats().BytesIn > in+10000 })
	})
	t.Run("after the handshake", func(t *testing.T) {
		hc := startHostileCall(t, nil)
		defer hc.stopAll()
		hc.connectHostile()
		h := hc.h
		floodRecords(h, 100)
		h.write(rawDTLSRecord(20, 0, 9001, []byte{1}))     // ChangeCipherSpec
		h.write(rawDTLSRecord(21, 0, 9002, []byte{2, 40})) // fatal handshake_failure alert
		got := hc.r.received(h.audio)
		hc.sendAudio(1, 960, 20)
		hc.waitForwarded("audio after plaintext epoch-0 records", got+18)
		s := h.openSCTP(0)
		defer s.close()
		s.dial(t, 1)
		s.wait(t, colibri.ClassServerHello)
	})
}

// floodRecords writes plaintext epoch-0 handshake records on h's pair:
// 2,000 ClientHellos at once, then paced fragments with inconsistent
// lengths and of a 16 MiB message.
func floodRecords(h *hostile, seq0 uint64) {
	for i := range 2000 {
		h.write(clientHello(seq0 + uint64(i)))
	}
	body := make([]byte, 1000)
	seq := seq0 + 3000
	send := func(frag []byte) {
		h.write(rawDTLSRecord(22, 0, seq, frag))
		seq++
		if seq%32 == 0 {
			sleepMS(5) // stay under the queue bound: these must reach pion
		}
	}
	for i := range 200 {
		send(handshakeFragment(11, 100, uint16(i%8+1), 0, 0, nil))         // zero-length fragments
		send(handshakeFragment(11, 100, uint16(i%8+1), 90, 50, body[:50])) // past the message end
		send(handshakeFragment(11, 40, uint16(i%8+1), 0, 1000, body[:20])) // fragment_length > body
	}
	for i := range 1000 { // 1 MB of fragments of a 16 MiB message
		send(handshakeFragment(11, 1<<24-1, 2, uint32(i)*1000, 1000, body))
	}
	sleepMS(300)
}

// TestDTLSFingerprintMismatch is row M3's last case on the real path: the
// client signals one certificate's fingerprint and handshakes with another.
// The handshake fails, the endpoint gets no SRTP keys (its media is
// dropped, counted) and no data channel, and the other session goes on.
func TestDTLSFingerprintMismatch(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	h := hc.h
	other, err := selfsign.GenerateSelfSigned()
	must(t, err)
	h.signal(hc.fc, hc.meeting, other) // the fingerprint of another certificate
	h.connectICE(hc.trs["h"])
	if err := h.handshake(h.cert); err == nil {
		t.Fatal("handshake with a certificate that does not match the signalled fingerprint succeeded")
	}
	e := hc.endpoint("h")
	eventually(t, "bridge ran its side of the handshake", func() bool {
		e.mu.Lock()
		defer e.mu.Unlock()
		return e.dtls != nil
	})
	srtp := hc.b.Stats().SRTPErrors
	for i := range 20 {
		h.write(h.audioPacket(uint16(i), uint32(i)*960))
	}
	eventually(t, "media without keys counted", func() bool { return hc.b.Stats().SRTPErrors >= srtp+20 })
	if e.decrypt.Load() != nil || e.srtpReady.Load() {
		t.Fatal("endpoint has SRTP keys after a fingerprint mismatch")
	}
	e.mu.Lock()
	dc, started := e.dc, e.sctp.started
	e.mu.Unlock()
	if dc != nil || started {
		t.Fatal("SCTP or a data channel started after a fingerprint mismatch")
	}
	if n := hc.r.received(h.audio); n != 0 {
		t.Fatalf("%d packets of h forwarded", n)
	}
	in := hc.b.Stats().BytesIn
	hc.startReceiverMedia()
	eventually(t, "r's media still read", func() bool { return hc.b.Stats().BytesIn > in+10000 })
}
