package bridge

import (
	"bytes"
	"encoding/binary"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// redPacket is an audio packet (SSRC 11, PT 112) carrying one redundant
// Opus block (20 ms before) and a primary block, with padding when pad.
func redPacket(seq uint16, primary []byte, pad bool) []byte {
	b := make([]byte, 12, 64)
	b[0], b[1] = 0x80, 112
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], 96000)
	binary.BigEndian.PutUint32(b[8:], 11)
	red := []byte{0x80 | 111, 960 >> 6, byte(960&0x3F) << 2, 3, 111, 0xAA, 0xBB, 0xCC}
	b = append(append(b, red...), primary...)
	if pad {
		b[0] |= 0x20
		b = append(b, 0, 0, 3)
	}
	return b
}

// opusOnly makes e a receiver that was offered Opus (111) and VP8 only.
func opusOnly(e *endpoint) {
	var m mediaState
	m.add([]colibri.Media{{Type: "audio", PayloadTypes: []jingle.PayloadType{{ID: 111, Name: "opus"}}},
		{Type: "video", PayloadTypes: []jingle.PayloadType{{ID: 100, Name: "VP8"}}}})
	e.ingress.Store(buildIngress(&m, nil, e.id, nil))
}

// TestREDForwarding: receivers offered RED get the packet as sent, the
// others its primary block as Opus (header kept, PT 111, no padding).
func TestREDForwarding(t *testing.T) {
	cases := []struct {
		name    string
		primary []byte
		pad     bool
		plain   []byte // what the Opus-only receiver gets after the header; nil: nothing
	}{
		{"primary", []byte{1, 2, 3, 4}, false, []byte{1, 2, 3, 4}},
		{"padded", []byte{5, 6}, true, []byte{5, 6}},
		{"empty primary (DTX)", nil, false, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c, eps := testConference("a", "red", "plain")
			for _, e := range eps {
				e.srtpReady.Store(true)
			}
			opusOnly(eps["plain"])
			giveVideo(c, eps["a"], 1)
			pkt := redPacket(7, tc.primary, tc.pad)
			sent := append([]byte(nil), pkt...)
			eps["a"].forward(pkt, eps["a"].ingress.Load().ssrcs[11], time.Now())
			if got := <-eps["red"].sendQ; !bytes.Equal(got.data, sent) {
				t.Errorf("RED receiver got %x, want %x unchanged", got.data, sent)
			}
			if tc.plain == nil {
				if len(eps["plain"].sendQ) != 0 || eps["a"].b.Stats().CodecDrops != 1 {
					t.Fatalf("Opus-only receiver got %d packets (codec drops %d), want none", len(eps["plain"].sendQ), eps["a"].b.Stats().CodecDrops)
				}
				return
			}
			got := (<-eps["plain"].sendQ).data
			want := append([]byte{0x80, 111}, sent[2:12]...)
			want = append(want, tc.plain...)
			if !bytes.Equal(got, want) {
				t.Errorf("Opus-only receiver got %x, want %x", got, want)
			}
		})
	}
}

// TestCodecPathAllocations: forwarding RED audio (kept and stripped),
// H.264 and VP9 allocates nothing per packet.
func TestCodecPathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop packets at random (race_on_test.go)")
	}
	c, eps := readyConference(64, "a", "red", "plain")
	opusOnly(eps["plain"])
	eps["plain"].ingress.Load().pts[107] = kindVideo // and H.264, for the video part
	giveVideo(c, eps["a"], 1)
	a := eps["a"]
	vp9 := append(make([]byte, 12), 0xEC, 0x81, 0x2D, 0x40, 7, 9)
	vp9[0], vp9[1], vp9[11] = 0x80, 101, 20
	pkts := [][]byte{redPacket(1, []byte{1, 2, 3}, false), h264Packet(20, 1, 1, h264STAPKey...), vp9}
	seq := uint16(1)
	allocs := testing.AllocsPerRun(200, func() {
		seq++
		for _, p := range pkts {
			binary.BigEndian.PutUint16(p[2:], seq)
			a.forward(p, a.ingress.Load().ssrcs[binary.BigEndian.Uint32(p[8:])], time.Now())
		}
		for _, e := range eps {
			for len(e.sendQ) > 0 {
				e.b.bufs.Put(<-e.sendQ)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round of RED, H.264 and VP9 packets", allocs)
	}
	if s := a.b.Stats(); s.Forwarded == 0 {
		t.Fatal("nothing forwarded")
	}
}
