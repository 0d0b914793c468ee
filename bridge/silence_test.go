package bridge

import (
	"context"
	"encoding/binary"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"

	"meetd/colibri"
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

// recorderAudio drains an attached receiver and counts one SSRC's audio.
type recorderAudio struct {
	n, silent, gaps atomic.Int64
}

func (r *recorderAudio) drain(ctx context.Context, q *Queue, ssrc uint32) {
	last := -1
	for {
		p, err := q.Next(ctx)
		if err != nil {
			return
		}
		if !p.RTCP && len(p.Data) >= 12 && binary.BigEndian.Uint32(p.Data[8:]) == ssrc {
			seq := int(binary.BigEndian.Uint16(p.Data[2:]))
			if last >= 0 && seq != (last+1)&0xFFFF {
				r.gaps.Add(1)
			}
			last = seq
			r.n.Add(1)
			if l, ok := audioLevel(p.Data, 1); ok && l == silentLevel {
				r.silent.Add(1)
			}
		}
		q.Release(p)
	}
}

// TestCallSilence: pion clients send audio with the ssrc-audio-level
// extension. While ep0 is silent its receiver gets only the first
// silenceKept silent packets, the rest are counted as dropped, and when
// ep0 speaks again its sequence numbers go on without a gap; ep1's speech
// is forwarded and becomes dominant while ep0 is silent, and ep0 takes it
// back; the attached recorder gets every packet unchanged.
func TestCallSilence(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(nil)
	defer srv.Close()
	b, fc, stop := startBridge(t, "ws://"+srv.Listener.Addr().String()+"/colibri-ws/jvb1")
	srv.Config.Handler = http.StripPrefix("", b.WebSocketHandler())
	defer stop()
	c := startCall(t, b, fc, 2, false)
	defer c.stop()
	e0, e1 := c.clients[0], c.clients[1]
	c.waitMediaBetweenAll()

	q := NewQueue(4096)
	_, err := b.AddReceiver(c.meeting, "rec", q, Constraints{Endpoints: []string{"ep0"}, MaxHeight: 0})
	must(t, err)
	ctx, cancel := context.WithCancel(context.Background())
	var rec recorderAudio
	done := make(chan struct{})
	go func() { defer close(done); rec.drain(ctx, q, e0.audioSSRC) }()
	defer func() { cancel(); <-done }()

	speak := func(cl *testClient, lvl int32) { cl.level.Store(lvl + 1) }
	e0.waitMessage(colibri.ClassServerHello) // the channel is open, and
	for _, cl := range c.clients {           // the messages so far are read
		for len(cl.dcMsgs) > 0 {
			<-cl.dcMsgs
		}
	}
	speak(e0, 10)
	speak(e1, silentLevel)
	e1.waitMessage(`"dominantSpeakerEndpoint":"ep0"`)

	speak(e0, silentLevel)
	speak(e1, 10)
	e0.waitMessage(`"dominantSpeakerEndpoint":"ep1"`)
	eventually(t, "ep0's silence dropped", func() bool { return silenceDroppedOf(b, "ep0") > 50 })
	n0 := e1.received(e0.audioSSRC)
	time.Sleep(500 * time.Millisecond)
	if n := e1.received(e0.audioSSRC); n != n0 {
		t.Fatalf("ep1 still gets ep0's silence: %d -> %d packets", n0, n)
	}
	if s := e1.seen(e0.audioSSRC).silent.Load(); s != silenceKept {
		t.Fatalf("ep1 got %d silent packets of ep0, want the first %d after speech", s, silenceKept)
	}

	speak(e0, 10)
	speak(e1, silentLevel)
	e1.waitMessage(`"dominantSpeakerEndpoint":"ep0"`)
	eventually(t, "ep0's speech again", func() bool { return e1.received(e0.audioSSRC) > n0+20 })
	for _, g := range []struct {
		who  string
		seen *audioSeen
	}{{"ep1 from ep0", e1.seen(e0.audioSSRC)}, {"ep0 from ep1", e0.seen(e1.audioSSRC)}} {
		if n := g.seen.gaps.Load(); n != 0 {
			t.Errorf("%s: %d sequence gaps", g.who, n)
		}
	}
	if rec.silent.Load() < 50 || rec.gaps.Load() != 0 {
		t.Fatalf("recorder: %d packets, %d silent, %d gaps; want all of ep0's audio", rec.n.Load(), rec.silent.Load(), rec.gaps.Load())
	}
	if s := b.Stats().SilenceDrops; s < silenceDroppedOf(b, "ep0") {
		t.Fatalf("bridge counted %d silent drops, ep0 alone %d", s, silenceDroppedOf(b, "ep0"))
	}
	t.Logf("ep0: %d silent packets dropped; recorder got %d packets (%d silent)", silenceDroppedOf(b, "ep0"), rec.n.Load(), rec.silent.Load())
}

func silenceDroppedOf(b *Bridge, id string) uint64 {
	for _, s := range b.EndpointStats() {
		if s.Endpoint == id {
			return s.SilenceDropped
		}
	}
	return 0
}
