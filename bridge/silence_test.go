package bridge

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// withLevel returns pkt with a one-byte ssrc-audio-level extension (id 1).
func withLevel(t testing.TB, pkt []byte, lvl uint8) []byte {
	t.Helper()
	var p rtp.Packet
	if err := p.Unmarshal(pkt); err != nil {
		t.Fatal(err)
	}
	if err := p.Header.SetExtension(1, []byte{lvl}); err != nil {
		t.Fatal(err)
	}
	b, err := p.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestSilenceFilter: after sound the first silenceKept silent packets go,
// later ones are dropped, and the packets that go are renumbered without
// gaps; packets without a level and a new SSRC start afresh.
func TestSilenceFilter(t *testing.T) {
	const s, n = 127, -1 // silent; no extension
	cases := []struct {
		name   string
		levels []int
		want   []int // seq each packet goes out with, -1 dropped
	}{
		{"speech only", []int{20, 30, 0, 126}, []int{0, 1, 2, 3}},
		{"short pause kept", []int{20, s, s, s, s, 20}, []int{0, 1, 2, 3, 4, 5}},
		{"long pause dropped", []int{20, s, s, s, s, s, s, 20, 20}, []int{0, 1, 2, 3, 4, -1, -1, 5, 6}},
		{"silence from the start", []int{s, s, s, s, s, s}, []int{0, 1, 2, 3, -1, -1}},
		{"two pauses", []int{s, s, s, s, s, 9, s, s, s, s, s, s, 9}, []int{0, 1, 2, 3, -1, 4, 5, 6, 7, 8, -1, -1, 9}},
		{"no extension is forwarded", []int{s, s, s, s, s, n, n, s}, []int{0, 1, 2, 3, -1, 4, 5, 6}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var f silenceFilter
			pkt := make([]byte, 12)
			binary.BigEndian.PutUint32(pkt[8:], 11)
			for i, l := range tc.levels {
				seq := uint16(65530 + i) // wraps
				binary.BigEndian.PutUint16(pkt[2:], seq)
				if f.drop(11, uint8(max(l, 0)), l >= 0) {
					if tc.want[i] != -1 {
						t.Fatalf("packet %d dropped, want seq %d", i, tc.want[i])
					}
					continue
				}
				f.renumber(pkt)
				if got := binary.BigEndian.Uint16(pkt[2:]); tc.want[i] == -1 || got != uint16(65530+tc.want[i]) {
					t.Fatalf("packet %d went out as %d, want %d", i, got-65530, tc.want[i])
				}
			}
		})
	}
	var f silenceFilter
	for range 6 {
		f.drop(11, 127, true)
	}
	if f.drop(12, 127, true) || f.dropped != 0 {
		t.Fatalf("a new SSRC inherited the old one's state: %+v", f)
	}
}

// TestSilenceForwarding: a sender's silent RED packets are dropped towards
// the receiver offered RED and the Opus-only one alike, and both get the
// rest with the same gapless sequence numbers; the drops are counted for
// the sender; the silence still lowers its speech activity; with
// ForwardSilence everything goes.
func TestSilenceForwarding(t *testing.T) {
	for _, keep := range []bool{false, true} {
		c, eps := readyConference(64, "a", "red", "plain")
		c.b.cfg.ForwardSilence = keep
		opusOnly(eps["plain"])
		giveVideo(c, eps["a"], 1)
		a := eps["a"]
		tbl := *a.ingress.Load()
		tbl.levelExt = 1
		a.ingress.Store(&tbl)
		levels := [...]uint8{10, 10, 127, 127, 127, 127, 127, 127, 127, 10}
		now := time.Unix(100, 0)
		var act [len(levels)]float64
		for i, l := range levels {
			pkt := withLevel(t, redPacket(uint16(500+i), []byte{1, 2}, false), l)
			at := now.Add(time.Duration(i) * 20 * time.Millisecond)
			a.forward(pkt, tbl.ssrcs[11], at)
			act[i] = a.speech.activity(at)
		}
		wantN, dropped := len(levels)-3, uint64(3)
		if keep {
			wantN, dropped = len(levels), 0
		}
		for _, id := range []string{"red", "plain"} {
			q := eps[id].sendQ
			if len(q) != wantN {
				t.Fatalf("keep=%v: %s got %d packets, want %d", keep, id, len(q), wantN)
			}
			for i := range wantN {
				p := <-q
				if seq := binary.BigEndian.Uint16(p.data[2:]); seq != uint16(500+i) {
					t.Fatalf("keep=%v: %s packet %d has seq %d, want %d", keep, id, i, seq, 500+i)
				}
			}
		}
		if got, all := a.meter.silenceDropped.Load(), c.b.Stats().SilenceDrops; got != dropped || all != dropped {
			t.Fatalf("keep=%v: counted %d silent drops for a (%d on the bridge), want %d", keep, got, all, dropped)
		}
		if act[8] >= act[1] {
			t.Fatalf("keep=%v: the dropped silence did not lower a's activity: %v", keep, act)
		}
	}
}

// TestSilencePathAllocations: dropping silent audio and renumbering the
// packets after it allocates nothing.
func TestSilencePathAllocations(t *testing.T) {
	if raceEnabled {
		t.Skip("the race detector makes sync.Pool drop packets at random (race_on_test.go)")
	}
	c, eps := readyConference(64, "a", "red", "plain")
	opusOnly(eps["plain"])
	giveVideo(c, eps["a"], 1)
	a := eps["a"]
	tbl := *a.ingress.Load()
	tbl.levelExt = 1
	a.ingress.Store(&tbl)
	speech := withLevel(t, redPacket(1, []byte{1, 2, 3}, false), 30)
	silent := withLevel(t, redPacket(1, []byte{1, 2, 3}, false), 127)
	round := [][]byte{speech, silent, silent, silent, silent, silent, silent, silent}
	seq := uint16(1)
	allocs := testing.AllocsPerRun(200, func() {
		for _, p := range round {
			seq++
			binary.BigEndian.PutUint16(p[2:], seq)
			a.forward(p, tbl.ssrcs[11], time.Now())
		}
		for _, e := range eps {
			for len(e.sendQ) > 0 {
				e.b.bufs.Put(<-e.sendQ)
			}
		}
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per round of speech and silence", allocs)
	}
	if s := a.b.Stats(); s.SilenceDrops == 0 || s.Forwarded == 0 {
		t.Fatalf("nothing dropped or nothing forwarded: %+v", s)
	}
}
