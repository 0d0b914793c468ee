package bridge

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"go.uber.org/goleak"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// fakeReceiver records what it is sent (copies), never blocking.
type fakeReceiver struct {
	ready  atomic.Bool
	mu     sync.Mutex
	rtp    [][]byte
	rtcp   int
	allocs []Allocation
}

func newFakeReceiver() *fakeReceiver {
	r := &fakeReceiver{}
	r.ready.Store(true)
	return r
}

func (r *fakeReceiver) Ready() bool { return r.ready.Load() }

func (r *fakeReceiver) Allocated(a Allocation) {
	r.mu.Lock()
	r.allocs = append(r.allocs, a)
	r.mu.Unlock()
}

func (r *fakeReceiver) SendRTP(pkt []byte) bool {
	r.mu.Lock()
	r.rtp = append(r.rtp, slices.Clone(pkt))
	r.mu.Unlock()
	clear(pkt) // the buffer is the receiver's during the call
	return true
}

func (r *fakeReceiver) SendRTCP([]byte) bool {
	r.mu.Lock()
	r.rtcp++
	r.mu.Unlock()
	return true
}

// take returns and forgets the SSRCs of the RTP packets received.
func (r *fakeReceiver) take() ([]uint32, [][]byte) {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ssrcs []uint32
	for _, p := range r.rtp {
		ssrcs = append(ssrcs, binary.BigEndian.Uint32(p[8:]))
	}
	pkts := r.rtp
	r.rtp = nil
	return ssrcs, pkts
}

func (r *fakeReceiver) lastAlloc() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(r.allocs) == 0 {
		return nil
	}
	var out []string
	for _, s := range r.allocs[len(r.allocs)-1].Sources {
		out = append(out, fmt.Sprintf("%s/%s/%v/%d", s.Endpoint, s.Name, s.Video, s.SSRC))
	}
	return out
}

// giveSources sets e's sources: audio SSRC base+11 and a video source with
// the given SIM encodings (SSRC base+20, ...), each with an RTX partner.
func giveSources(c *conference, e *endpoint, base uint32, encodings int) {
	ms := colibri.MediaSource{Type: "video", ID: e.id + "-v0"}
	sim := jingle.SSRCGroup{Semantics: "SIM"}
	for i := range encodings {
		ssrc := base + uint32(20+i)
		ms.Sources = append(ms.Sources, jingle.Source{SSRC: ssrc}, jingle.Source{SSRC: ssrc + 100})
		sim.Sources = append(sim.Sources, jingle.GroupEntry{SSRC: ssrc})
		ms.Groups = append(ms.Groups, jingle.SSRCGroup{Semantics: "FID",
			Sources: []jingle.GroupEntry{{SSRC: ssrc}, {SSRC: ssrc + 100}}})
	}
	if encodings > 1 {
		ms.Groups = append(ms.Groups, sim)
	}
	src := &colibri.Sources{MediaSources: []colibri.MediaSource{
		{Type: "audio", ID: e.id + "-a0", Sources: []jingle.Source{{SSRC: base + 11}}}, ms}}
	m := testMedia()
	e.ingress.Store(buildIngress(&m, src, e.id, nil))
	c.reallocate()
}

// attachTest is a conference of senders a (three encodings, SSRCs 11 and
// 20-22) and b (one, SSRCs 1011 and 1020) on a bridge that knows it.
func attachTest(t *testing.T) (*Bridge, *conference, map[string]*endpoint) {
	t.Helper()
	c, eps := testConference("a", "b")
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 256)
	}
	giveSources(c, eps["a"], 0, 3)
	giveSources(c, eps["b"], 1000, 1)
	settle(c)
	return c.b, c, eps
}

func audioFrom(t *testing.T, e *endpoint, ssrc uint32) {
	e.forward(rtpPacket(t, ssrc, 111, 0), e.ingress.Load().ssrcs[ssrc], time.Now())
}

func videoFrom(e *endpoint, ssrc uint32, seq uint16, key bool, height int) {
	e.forward(vp8Packet(ssrc, seq, uint32(seq)*3000, seq, uint8(seq), 0, key, height), e.ingress.Load().ssrcs[ssrc], time.Now())
}

// plis returns the media SSRCs of the PLIs queued to e.
func plis(t *testing.T, e *endpoint) []uint32 {
	t.Helper()
	var out []uint32
	for len(e.sendQ) > 0 {
		p := <-e.sendQ
		if !p.rtcp {
			continue
		}
		pkts, err := rtcp.Unmarshal(p.data)
		must(t, err)
		for _, pk := range pkts {
			if pli, ok := pk.(*rtcp.PictureLossIndication); ok {
				out = append(out, pli.MediaSSRC)
			}
		}
	}
	return out
}

// TestAttachedReceiver: an attached receiver gets the audio and the best
// layer's video, projected on the primary SSRC, of the senders it asked
// for and of nobody else; the sender is asked for a keyframe of that
// layer; new constraints and Close take effect.
func TestAttachedReceiver(t *testing.T) {
	b, c, eps := attachTest(t)
	a, bb := eps["a"], eps["b"]
	fr := newFakeReceiver()
	att, err := b.AddReceiver("m", "rec", fr, Constraints{Endpoints: []string{"a"}, MaxHeight: -1})
	must(t, err)
	audioFrom(t, a, 11)
	if got, _ := fr.take(); len(got) != 0 {
		t.Fatalf("received %v before the first allocation was told", got)
	}
	settle(c)
	if got, want := fr.lastAlloc(), []string{"a/a-v0/true/20", "a/a-a0/false/11"}; !slices.Equal(got, want) {
		t.Fatalf("allocation %v, want %v", got, want)
	}
	audioFrom(t, a, 11)
	audioFrom(t, bb, 1011)
	if got, _ := fr.take(); !slices.Equal(got, []uint32{11}) {
		t.Fatalf("audio received from SSRCs %v, want only a's 11", got)
	}
	for enc := range 3 {
		videoFrom(a, uint32(20+enc), 100, false, 0)
	}
	if got, _ := fr.take(); len(got) != 0 {
		t.Fatalf("video before a keyframe: %v", got)
	}
	if got := plis(t, a); !slices.Contains(got, 22) {
		t.Fatalf("keyframe requests %v, want one for the best layer 22", got)
	}
	for enc := range 3 {
		videoFrom(a, uint32(20+enc), 101, true, 180<<enc)
	}
	videoFrom(bb, 1020, 101, true, 180)
	got, pkts := fr.take()
	if !slices.Equal(got, []uint32{20}) {
		t.Fatalf("video received on SSRCs %v, want one packet on a's primary 20", got)
	}
	start, end, _ := rtpPayload(pkts[0])
	if v, ok := parseVP8(pkts[0], start, end); !ok || v.height != 720 {
		t.Fatalf("forwarded layer of height %d, want 720", v.height)
	}
	if s := b.Stats(); s.Forwarded < 2 {
		t.Fatalf("stats %+v", s)
	}

	att.SetConstraints(Constraints{Endpoints: []string{"b"}, MaxHeight: 0})
	settle(c)
	audioFrom(t, a, 11)
	audioFrom(t, bb, 1011)
	videoFrom(bb, 1020, 102, true, 180)
	if got, _ := fr.take(); !slices.Equal(got, []uint32{1011}) {
		t.Fatalf("after new constraints got %v, want only b's audio", got)
	}
	if got, want := fr.lastAlloc(), []string{"b/b-a0/false/1011"}; !slices.Equal(got, want) {
		t.Fatalf("allocation %v, want %v", got, want)
	}

	att.Close()
	select {
	case <-att.Done():
	default:
		t.Fatal("Done not closed by Close")
	}
	audioFrom(t, bb, 1011)
	if got, _ := fr.take(); len(got) != 0 {
		t.Fatalf("received %v after Close", got)
	}
}

func TestAddReceiverErrors(t *testing.T) {
	b, c, _ := attachTest(t)
	r := newFakeReceiver()
	att, err := b.AddReceiver("m", "rec", r, Constraints{})
	must(t, err)
	for _, tc := range []struct {
		name, meeting, id string
		want              error
	}{
		{"unknown conference", "nope", "x", ErrNoConference},
		{"endpoint id", "m", "a", ErrReceiverExists},
		{"receiver id", "m", "rec", ErrReceiverExists},
		{"empty id", "m", "", ErrReceiverExists},
		{"nil receiver", "m", "nil", ErrConfig},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var rr Receiver = r
			if tc.id == "nil" {
				rr = nil
			}
			if _, err := b.AddReceiver(tc.meeting, tc.id, rr, Constraints{}); !errors.Is(err, tc.want) {
				t.Fatalf("got %v, want %v", err, tc.want)
			}
		})
	}
	srcs, err := b.Sources("m")
	must(t, err)
	if len(srcs) != 4 {
		t.Fatalf("sources %+v", srcs)
	}
	c.expire()
	select {
	case <-att.Done():
	default:
		t.Fatal("Done not closed when the conference ended")
	}
	if _, err := b.AddReceiver("m", "late", r, Constraints{}); !errors.Is(err, ErrNoConference) {
		t.Fatalf("attach to an expired conference: %v", err)
	}
}

// TestBlockedReceiverDoesNotStallSender: a Queue whose consumer does not
// read keeps what fits and drops the rest; the sender goes on and the
// other receivers get everything.
func TestBlockedReceiverDoesNotStallSender(t *testing.T) {
	b, c, eps := attachTest(t)
	q := NewQueue(16)
	_, err := b.AddReceiver("m", "stuck", q, Constraints{Endpoints: []string{"a"}})
	must(t, err)
	settle(c)
	const n = 1000
	done := make(chan struct{})
	go func() {
		defer close(done)
		for range n {
			audioFrom(t, eps["a"], 11)
			for len(eps["b"].sendQ) > 0 {
				<-eps["b"].sendQ
			}
		}
	}()
	select {
	case <-done:
	case <-time.After(time.Minute):
		t.Fatal("the sender stalled behind a receiver nobody reads")
	}
	if q.Drops() != n-16 || len(q.full) != 16 {
		t.Fatalf("queue holds %d, dropped %d; want 16 and %d", len(q.full), q.Drops(), n-16)
	}
	if s := b.Stats(); s.Forwarded != n+16 {
		t.Fatalf("forwarded %d, want %d (every packet to b, 16 to the queue)", s.Forwarded, n+16)
	}
	p, err := q.Next(context.Background())
	must(t, err)
	if binary.BigEndian.Uint32(p.Data[8:]) != 11 || p.RTCP {
		t.Fatalf("queued packet %x", p.Data[:12])
	}
	q.Release(p)
	q.Release(p) // twice: ignored
	if len(q.free) != 1 {
		t.Fatalf("%d free buffers", len(q.free))
	}
}

// TestReceiversUnderLoad: receivers come and go and change constraints
// while two senders forward and the control goroutine reallocates; each
// gets only what it asked for, nothing leaks (run with -race).
func TestReceiversUnderLoad(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, c, eps := attachTest(t)
	c.start()
	defer c.expire()
	stop := make(chan struct{})
	var senders sync.WaitGroup
	for id, base := range map[string]uint32{"a": 0, "b": 1000} {
		senders.Add(1)
		go func() {
			defer senders.Done()
			e := eps[id]
			for seq := uint16(1); ; seq++ {
				select {
				case <-stop:
					return
				default:
				}
				audioFrom(t, e, base+11)
				videoFrom(e, base+20, seq, seq%30 == 1, 180)
				for len(e.sendQ) > 0 {
					b.bufs.Put(<-e.sendQ)
				}
			}
		}()
	}
	var bad, good atomic.Int64
	for i := range 200 {
		q := NewQueue(8)
		att, err := b.AddReceiver("m", fmt.Sprint("rec", i), q, Constraints{Endpoints: []string{"b"}, MaxHeight: -1})
		must(t, err)
		for k := 0; k < 4; k++ {
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Millisecond)
			if p, err := q.Next(ctx); err == nil {
				switch ssrc := binary.BigEndian.Uint32(p.Data[8:]); {
				case p.RTCP:
				case ssrc == 1011 || ssrc == 1020:
					good.Add(1)
				default:
					bad.Add(1)
				}
				q.Release(p)
			}
			cancel()
		}
		if i%2 == 0 {
			att.SetConstraints(Constraints{Endpoints: []string{"a", "b"}, MaxHeight: 180})
		}
		att.Close()
	}
	close(stop)
	senders.Wait()
	if bad.Load() != 0 || good.Load() == 0 {
		t.Fatalf("%d packets of a sender the receivers did not ask for, %d of the one they did", bad.Load(), good.Load())
	}
	if s := b.Stats(); s.Forwarded == 0 {
		t.Fatal("nothing forwarded")
	}
}

// TestCallAttachedReceiver: on a real call (pion clients over ICE, DTLS
// and SRTP), a Queue attached for two of three participants gets their
// audio and video, in plaintext, and nothing of the third; it learns their
// sources from Allocated; the senders are asked for keyframes; expiring the
// conference detaches it.
func TestCallAttachedReceiver(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, fc, stop := startBridge(t, "ws://127.0.0.1:1/colibri-ws/jvb1")
	defer stop()
	c := startCall(t, b, fc, 3, true)
	defer c.stop()
	c.waitMediaBetweenAll()
	q := NewQueue(256)
	att, err := b.AddReceiver(c.meeting, "recorder", q, Constraints{Endpoints: []string{"ep0", "ep2"}, MaxHeight: -1})
	must(t, err)
	var got sync.Map // SSRC -> *atomic.Int64
	consumed := make(chan struct{})
	go func() {
		defer close(consumed)
		ctx, cancel := context.WithCancel(context.Background())
		go func() { <-att.Done(); cancel() }()
		for {
			p, err := q.Next(ctx)
			if err != nil {
				return
			}
			if !p.RTCP && len(p.Data) >= 12 {
				n, _ := got.LoadOrStore(binary.BigEndian.Uint32(p.Data[8:]), new(atomic.Int64))
				n.(*atomic.Int64).Add(1)
			}
			q.Release(p)
		}
	}()
	count := func(ssrc uint32) int64 {
		if n, ok := got.Load(ssrc); ok {
			return n.(*atomic.Int64).Load()
		}
		return 0
	}
	ep0, ep1, ep2 := c.clients[0], c.clients[1], c.clients[2]
	for _, cl := range []*testClient{ep0, ep2} {
		eventually(t, "recorder gets "+cl.id+"'s audio", func() bool { return count(cl.audioSSRC) > 5 })
		eventually(t, "recorder gets "+cl.id+"'s video", func() bool { return count(cl.videoSSRC) > 5 })
	}
	if n := count(ep1.audioSSRC) + count(ep1.videoSSRC); n != 0 {
		t.Fatalf("recorder got %d packets of ep1, who is not in its constraints", n)
	}
	select {
	case a := <-q.Allocations():
		var eps []string
		for _, s := range a.Sources {
			eps = append(eps, s.Endpoint)
		}
		if slices.Contains(eps, "ep1") || !slices.Contains(eps, "ep0") || !slices.Contains(eps, "ep2") {
			t.Fatalf("allocation %+v", a)
		}
	default:
		t.Fatal("no allocation told")
	}
	plis0 := ep0.pliReceived.Load()
	eventually(t, "keyframe request at ep0", func() bool {
		att.RequestKeyframe(ep0.videoSSRC)
		return ep0.pliReceived.Load() > plis0
	})
	fc.modify(t, fmt.Sprintf(`<conference-modify xmlns="jitsi:colibri2" meeting-id="%s" expire="true"/>`, c.meeting))
	select {
	case <-consumed:
	case <-time.After(waitTimeout):
		t.Fatal("the attachment was not detached when the conference expired")
	}
}
