package bridge

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// giveVideo sets e's sources: audio SSRC 11 and a video source with the
// given SIM encodings (SSRC 20, 21, ...), each with an RTX partner (+100).
func giveVideo(c *conference, e *endpoint, encodings int) *videoSource {
	giveSources(c, e, 0, encodings)
	settle(c)
	return e.ingress.Load().video[0]
}

func TestForwardPolicy(t *testing.T) {
	cases := []struct {
		name  string
		setup func(c *conference, eps map[string]*endpoint)
		ssrc  uint32
		want  map[string]int // queued packets per endpoint
	}{
		{"audio to all others", nil, 11, map[string]int{"b": 1, "c": 1}},
		{"video to all others", nil, 20, map[string]int{"b": 1, "c": 1}},
		{"lastN 0 stops video", func(c *conference, eps map[string]*endpoint) {
			c.setPrefs(eps["b"], func(p *receiverPrefs) { p.lastN = 0 })
		}, 20, map[string]int{"c": 1}},
		{"maxHeight 0 stops video", func(c *conference, eps map[string]*endpoint) {
			c.setPrefs(eps["c"], func(p *receiverPrefs) { p.def.maxHeight = 0 })
		}, 20, map[string]int{"b": 1}},
		{"lastN 0 keeps audio", func(c *conference, eps map[string]*endpoint) {
			c.setPrefs(eps["b"], func(p *receiverPrefs) { p.lastN = 0 })
		}, 11, map[string]int{"b": 1, "c": 1}},
		{"force-muted audio", func(_ *conference, eps map[string]*endpoint) { eps["a"].muteAudio.Store(true) }, 11, nil},
		{"force-muted video keeps audio", func(_ *conference, eps map[string]*endpoint) { eps["a"].muteVideo.Store(true) }, 11,
			map[string]int{"b": 1, "c": 1}},
		{"receiver without SRTP", func(_ *conference, eps map[string]*endpoint) { eps["c"].srtpReady.Store(false) }, 11,
			map[string]int{"b": 1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, eps := testConference("a", "b", "c")
			for _, e := range eps {
				e.srtpReady.Store(true)
			}
			giveVideo(c, eps["a"], 1)
			if tc.setup != nil {
				tc.setup(c, eps)
				settle(c)
			}
			pkt := rtpPacket(t, tc.ssrc, 111, 0)
			if tc.ssrc != 11 {
				pkt = vp8Packet(tc.ssrc, 1, 1, 1, 1, 0, true, 180)
			}
			eps["a"].forward(pkt, eps["a"].ingress.Load().ssrcs[tc.ssrc], time.Now())
			for id, e := range eps {
				if got := len(e.sendQ); got != tc.want[id] {
					t.Fatalf("%s has %d queued, want %d", id, got, tc.want[id])
				}
			}
		})
	}
}

func TestSlowReceiverDoesNotBlock(t *testing.T) {
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	giveVideo(c, eps["a"], 1)
	pkt := rtpPacket(t, 11, 111, 0)
	route := eps["a"].ingress.Load().ssrcs[11]
	for range cap(eps["b"].sendQ) + 5 {
		eps["a"].forward(pkt, route, time.Now())
	}
	if s := eps["a"].b.Stats(); s.QueueDrops != 5 || s.Forwarded != uint64(cap(eps["b"].sendQ)) {
		t.Fatalf("stats %+v", s)
	}
}

// TestSimulcastForwarding: a receiver asking 180 lines gets the lowest
// encoding, one asking 720 the highest, both on the primary SSRC, and the
// sender is asked for a keyframe until one of the wanted encoding comes.
func TestSimulcastForwarding(t *testing.T) {
	c, eps := readyConference(64, "a", "low", "high")
	src := giveVideo(c, eps["a"], 3)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	settle(c)
	now := time.Now()
	send := func(enc int, seq uint16, key bool) {
		pkt := vp8Packet(uint32(20+enc), seq, uint32(seq)*3000, seq, uint8(seq), 0, key, 180<<enc)
		eps["a"].forward(pkt, eps["a"].ingress.Load().ssrcs[uint32(20+enc)], now)
	}
	for enc := range 3 {
		send(enc, 100, false) // no keyframe yet: nothing forwarded, PLIs asked
	}
	if len(eps["low"].sendQ)+len(eps["high"].sendQ) != 0 {
		t.Fatal("forwarded before a keyframe")
	}
	if len(eps["a"].sendQ) == 0 {
		t.Fatal("no keyframe request to the sender")
	}
	for enc := range 3 {
		send(enc, 101, true)
	}
	checkQueue(t, eps["low"], src.primary, 1)
	checkQueue(t, eps["high"], src.primary, 1)
	if got := eps["high"].down.alloc.Load().target(src.primary); got.enc != 2 {
		t.Fatalf("high receiver's target %+v", got)
	}
}

func checkQueue(t *testing.T, e *endpoint, ssrc uint32, n int) {
	t.Helper()
	if len(e.sendQ) != n {
		t.Fatalf("%s has %d queued, want %d", e.id, len(e.sendQ), n)
	}
	for range n {
		p := <-e.sendQ
		if got := binary.BigEndian.Uint32(p.data[8:]); got != ssrc {
			t.Fatalf("%s got SSRC %d, want %d", e.id, got, ssrc)
		}
	}
}

// FuzzForward runs arbitrary packets through the whole receive path of a
// simulcast sender: ingress checks, audio levels, VP8 parsing, projection.
func FuzzForward(f *testing.F) {
	f.Add(vp8Packet(20, 1, 1, 300, 7, 0, true, 180))
	f.Add(vp8Packet(22, 9, 1, 5, 9, 2, false, 0))
	f.Add([]byte{0x90, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11, 0xBE, 0xDE, 0, 1, 0x10, 0x2a, 0, 0, 1})
	f.Add(h264Packet(21, 3, 1, h264STAPKey...))
	f.Add(h264Packet(20, 4, 1, h264FUStart...))
	f.Add(withPT(h264Packet(20, 5, 1, 0x8E, 0x81, 0x2C, 0x10, 0x02, 0x80, 0x01, 0x68, 9), 101)) // VP9 keyframe
	f.Add(withPT(h264Packet(22, 6, 1, 0x18, 1), 41))                                            // AV1 N=1
	f.Add(redPacket(7, []byte{1, 2}, true))
	f.Add(vp9Packet(8, 9, 0, 0, true))
	f.Add(vp9Packet(9, 10, 2, 1, false))
	fuzzSender(f, 3)
}

// fuzzSender runs the fuzz inputs as packets of sender a (with the given
// simulcast encodings) towards receivers b (default constraints) and c
// (720 lines), settling allocations after each when SVC layers may change.
func fuzzSender(f *testing.F, encodings int) {
	c, eps := testConference("a", "b", "c")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	giveVideo(c, eps["a"], encodings)
	c.setPrefs(eps["c"], func(p *receiverPrefs) { p.def.maxHeight = 720 })
	settle(c)
	now := time.Unix(1, 0)
	f.Fuzz(func(t *testing.T, b []byte) {
		var h rtp.Header
		now = now.Add(10 * time.Millisecond)
		if v, route := inspectRTP(b, eps["a"].ingress.Load(), &h); v == verdictForward {
			eps["a"].forward(b, route, now)
		}
		settle(c)
		for _, e := range eps {
			for len(e.sendQ) > 0 {
				e.b.bufs.Put(<-e.sendQ)
			}
			drain(e.msgQ)
		}
	})
}
