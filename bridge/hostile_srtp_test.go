package bridge

import (
	"testing"

	"github.com/pion/srtp/v3"
	"go.uber.org/goleak"
)

// TestHostileSRTP is docs/reliability.md row M4 against the real bridge: SRTP
// before the keys exist, with a bad authentication tag, and replayed, each
// dropped and counted (meetd_bridge_dropped_packets_total{reason="srtp"}),
// while the client's good packets keep being forwarded.
func TestHostileSRTP(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	hc := startHostileCall(t, nil)
	defer hc.stopAll()
	h := hc.h
	h.signal(hc.fc, hc.meeting, h.cert)
	h.connectICE(hc.trs["h"])

	// A sentinel is a good packet sent after the bad ones: once r has it,
	// anything the bridge forwarded of the bad ones has arrived too.
	var seq uint16 = 100
	sentinel := func(t *testing.T, before int64) {
		t.Helper()
		seq = hc.sendAudio(seq, uint32(seq)*960, 1)
		hc.waitForwarded("sentinel", before+1)
		if got := hc.r.received(h.audio); got != before+1 {
			t.Fatalf("r received %d packets of h, want %d: a bad packet was forwarded", got, before+1)
		}
	}

	if !t.Run("before keys", func(t *testing.T) {
		before := hc.b.Stats().SRTPErrors
		for i := range 20 {
			h.write(h.audioPacket(uint16(i), uint32(i)*960)) // no keys yet: sent in the clear
		}
		eventually(t, "pre-key packets counted", func() bool { return hc.b.Stats().SRTPErrors >= before+20 })
		must(t, h.handshake(h.cert))
		eventually(t, "bridge has keys", func() bool { return hc.endpoint("h").decrypt.Load() != nil })
		seq = hc.sendAudio(seq, uint32(seq)*960, 50)
		hc.waitForwarded("good audio after the handshake", 45)
		hc.waitQuiet("the rest of the good audio")
	}) {
		return
	}
	t.Run("bad auth tag", func(t *testing.T) {
		before, got := hc.b.Stats().SRTPErrors, hc.r.received(h.audio)
		for i := range 20 {
			p := h.encrypt(h.audioPacket(seq+uint16(i), 0))
			p[len(p)-1] ^= 0x5a
			h.write(p)
		}
		eventually(t, "bad tags counted", func() bool { return hc.b.Stats().SRTPErrors >= before+20 })
		sentinel(t, got)
	})
	t.Run("replayed", func(t *testing.T) {
		base := hc.r.received(h.audio)
		var recorded [][]byte
		for range 20 {
			p := h.encrypt(h.audioPacket(seq, uint32(seq)*960))
			recorded = append(recorded, p)
			h.write(p)
			seq++
		}
		sentinel(t, base+int64(len(recorded))) // the originals are forwarded
		got := hc.r.received(h.audio)
		before := hc.b.Stats().SRTPErrors
		for _, p := range recorded {
			h.write(p)
		}
		eventually(t, "replays counted", func() bool { return hc.b.Stats().SRTPErrors >= before+20 })
		sentinel(t, got)
	})
}

// TestSRTPSequenceWrap is the "seq wrap across ROC" case of row M4: a
// sender whose sequence numbers start just below 65535 (and RTP timestamps
// just below 2^32) keeps being forwarded, audio and video, after its
// sequence numbers wrap; a sender whose rollover counter is wrong after the
// wrap is dropped and counted.
func TestSRTPSequenceWrap(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	for _, tc := range []struct {
		name     string
		wrongROC bool
	}{{"rollover", false}, {"wrong rollover counter", true}} {
		t.Run(tc.name, func(t *testing.T) {
			hc := startHostileCall(t, nil)
			defer hc.stopAll()
			hc.connectHostile()
			h := hc.h
			const n = 200 // 100 before the wrap, 100 after
			seq, ts := uint16(65535-99), uint32(1<<32-100*960)
			vts := uint32(1<<32 - 100*3000)
			srtpBefore := hc.b.Stats().SRTPErrors
			for i := range n {
				if i == 100 && tc.wrongROC {
					// A context made afresh has rollover counter 0 where the
					// bridge, having seen the wrap, expects 1.
					ctx, err := srtp.CreateContext(h.key, h.salt, srtp.ProtectionProfileAeadAes128Gcm)
					must(t, err)
					h.rtpOut = ctx
				}
				h.write(h.encrypt(h.audioPacket(seq, ts)))
				h.write(h.encrypt(h.videoPacket(seq, vts, uint16(i))))
				seq++
				ts += 960
				vts += 3000
				if i%10 == 9 {
					sleepMS(10)
				}
			}
			if tc.wrongROC {
				eventually(t, "post-wrap packets with the wrong ROC counted", func() bool {
					return hc.b.Stats().SRTPErrors >= srtpBefore+2*100
				})
				hc.connectedSentinel(t)
				if a := hc.r.received(h.audio); a > 100 {
					t.Fatalf("%d audio packets forwarded, want at most the 100 before the wrap", a)
				}
				return
			}
			hc.waitForwarded("audio across the wrap", n*9/10)
			eventually(t, "video across the wrap", func() bool { return hc.r.received(h.video) >= n*8/10 })
			if e := hc.b.Stats().SRTPErrors; e != srtpBefore {
				t.Fatalf("%d SRTP errors across the wrap", e-srtpBefore)
			}
		})
	}
}

// connectedSentinel waits a moment of r's own traffic so that anything the
// bridge would have forwarded from h has arrived.
func (hc *hostileCall) connectedSentinel(t *testing.T) {
	t.Helper()
	before := hc.b.Stats().Forwarded
	seq := uint16(0)
	eventually(t, "bridge keeps forwarding", func() bool {
		seq++
		hc.r.send(seq)
		sleepMS(20)
		return hc.b.Stats().Forwarded > before+5
	})
}
