package bridge

import (
	"net"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestMediaOutsideSelectedPair is the first half of docs/reliability.md row M9:
// SRTP that is valid in every byte (the client's keys, the next sequence
// number) but comes from an address that never passed an ICE check is
// dropped as unroutable and never forwarded; the same packet stream from
// the selected pair is.
func TestMediaOutsideSelectedPair(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	hc.connectHostile()
	h := hc.h
	seq := hc.sendAudio(1, 960, 10)
	hc.waitForwarded("audio on the selected pair", 9)
	got := hc.r.received(h.audio)

	other, err := net.DialUDP("udp4", nil, hc.b.UDPAddr())
	must(t, err)
	defer other.Close()
	before := hc.b.Stats()
	for range 20 {
		_, err := other.Write(h.encrypt(h.audioPacket(seq, uint32(seq)*960)))
		must(t, err)
		seq++
	}
	eventually(t, "foreign-address media counted", func() bool { return hc.b.Stats().Unroutable >= before.Unroutable+20 })
	hc.sendAudio(seq, uint32(seq)*960, 1)
	hc.waitForwarded("sentinel on the selected pair", got+1)
	if n := hc.r.received(h.audio); n != got+1 {
		t.Fatalf("r received %d packets of h, want %d: media from another address was forwarded", n, got+1)
	}
	if s := hc.b.Stats(); s.SRTPErrors != before.SRTPErrors {
		t.Fatalf("foreign-address packets reached the SRTP layer (%d errors)", s.SRTPErrors-before.SRTPErrors)
	}
}

// TestConsentFreshness is the second half of row M9 (RFC 7675), with
// consent timers shortened for the test (disconnected after 1 s of
// silence, failed 1 s later; meetd runs pion's 5 s + 25 s): a client that
// stops answering the bridge's consent checks stops receiving media once
// consent expired, and media it sends after that is not forwarded.
func TestConsentFreshness(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, func(b *Bridge) {
		b.iceTimers = iceTimers{disconnected: time.Second, failed: time.Second, keepalive: 200 * time.Millisecond}
	})
	defer hc.stopAll()
	hc.connectHostile()
	h := hc.h
	hc.startReceiverMedia()
	eventually(t, "h receives r's media", func() bool { return h.srtpIn.Load() > 20 })

	h.sock.silent.Store(true) // no more answers, no more packets from h
	silentAt := time.Now()
	// The bridge keeps sending for the two seconds of the timers, then
	// stops: the media arriving at the silent socket must level off.
	var last int64
	eventually(t, "bridge stops sending to the silent client", func() bool {
		n := h.sock.mediaWhileSilent.Load()
		time.Sleep(time.Second)
		stopped := n > 0 && h.sock.mediaWhileSilent.Load() == n
		last = n
		return stopped
	})
	t.Logf("media stopped %v after the client went silent (%d datagrams while silent)",
		time.Since(silentAt).Round(100*time.Millisecond), last)
	if !hc.endpoint("h").consentLost.Load() {
		t.Fatal("endpoint does not know consent expired")
	}

	// Media after expiry: valid SRTP from the old pair is not forwarded.
	h.sock.silent.Store(false)
	got, drops := hc.r.received(h.audio), hc.b.Stats().Unroutable
	hc.sendAudio(500, 500*960, 20)
	eventually(t, "media after expiry counted", func() bool { return hc.b.Stats().Unroutable >= drops+20 })
	if n := hc.r.received(h.audio); n != got {
		t.Fatalf("%d packets sent after consent expired were forwarded", n-got)
	}
}
