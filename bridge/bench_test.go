package bridge

import (
	"context"
	"encoding/binary"
	"fmt"
	"io"
	"runtime"
	"testing"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// The forwarding benchmark: a 2.5 Mbit/s simulcast sender (720p 7 packets,
// 360p 2, 180p 1 per frame at 30 fps, ~1100-byte packets) plus 50 pps of
// audio, sent to N receivers that all put it on stage at 720. "bridge" runs
// the real path from an SRTP packet read off the socket (decrypt, checks,
// projection, cache, queue) to SRTP-encrypted datagrams handed to the
// writer's socket; "baseline" does only the decrypt and one encrypt per
// packet a receiver gets. Run:
//
//	go test -run '^$' -bench Forwarding -benchmem ./bridge
//
// x-baseline is bridge/baseline input packets per second, allocs/fwd the
// heap allocations per forwarded packet (including the amortised RTCP the
// bridge sends the sender).

// benchKey is the SRTP key material of every benchmark context.
var benchKey, benchSalt = make([]byte, 16), make([]byte, 12)

func benchContext(b testing.TB) *srtp.Context {
	c, err := srtp.CreateContext(benchKey, benchSalt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	return c
}

// benchStream generates one stream's plaintext packets.
type benchStream struct {
	ssrc   uint32
	pt     uint8
	size   int
	video  bool
	seq    uint16
	ts     uint32
	pid    uint16
	tl0    uint8
	frames int
}

// packet builds the next packet of the stream; first marks a frame start.
func (s *benchStream) packet(buf []byte, twcc uint16, first bool) []byte {
	h := rtp.Header{Version: 2, PayloadType: s.pt, SequenceNumber: s.seq, Timestamp: s.ts, SSRC: s.ssrc}
	s.seq++
	ext := []byte{0, 0}
	binary.BigEndian.PutUint16(ext, twcc)
	_ = h.SetExtension(5, ext)
	if !s.video {
		_ = h.SetExtension(1, []byte{0x80 | 40})
		s.ts += 960
		b, _ := (&rtp.Packet{Header: h, Payload: make([]byte, s.size)}).Marshal()
		return append(buf[:0], b...)
	}
	tid := [4]uint8{0, 2, 1, 2}[s.frames%4]
	payload := []byte{0x80, 0xE0, byte(0x80 | s.pid>>8), byte(s.pid), s.tl0, tid << 6}
	if first {
		payload[0] |= 0x10
		if s.frames == 0 {
			payload = append(payload, 0x10, 0, 0, 0x9d, 0x01, 0x2a, 0, 5, 0xd0, 2) // keyframe 1280x720
		} else {
			payload = append(payload, 0x11, 0, 0)
		}
	}
	payload = append(payload, make([]byte, s.size-len(payload))...)
	b, _ := (&rtp.Packet{Header: h, Payload: payload}).Marshal()
	return append(buf[:0], b...)
}

// endFrame advances the stream to its next frame.
func (s *benchStream) endFrame() {
	s.frames++
	s.pid = (s.pid + 1) & 0x7FFF
	s.ts += 3000
	if s.frames%4 == 0 {
		s.tl0++
	}
}

// benchSender produces the sender's SRTP packets in batches.
type benchSender struct {
	streams [4]*benchStream // 180, 360, 720, audio
	perTick [4]int
	enc     *srtp.Context
	twcc    uint16
	tick    int
	plain   []byte
}

func newBenchSender(b testing.TB) *benchSender {
	return &benchSender{
		streams: [4]*benchStream{
			{ssrc: 20, pt: 100, size: 830, video: true}, {ssrc: 21, pt: 100, size: 1040, video: true},
			{ssrc: 22, pt: 100, size: 1070, video: true}, {ssrc: 11, pt: 111, size: 100},
		},
		perTick: [4]int{1, 2, 7, 2},
		enc:     benchContext(b),
		plain:   make([]byte, 0, maxDatagram),
	}
}

// batch returns about n SRTP packets of the next frame ticks.
func (s *benchSender) batch(n int, out [][]byte) [][]byte {
	out = out[:0]
	for len(out) < n {
		s.tick++
		for i, st := range s.streams {
			count := s.perTick[i]
			if !st.video && s.tick%3 == 0 {
				count = 1 // 50 pps of audio
			}
			for k := range count {
				s.plain = st.packet(s.plain, s.twcc, k == 0)
				s.twcc++
				pkt, err := s.enc.EncryptRTP(nil, s.plain, nil)
				if err == nil {
					out = append(out, pkt)
				}
			}
			if st.video {
				st.endFrame()
			}
		}
	}
	return out
}

// benchCall is a conference with the sender and n receivers, each with a
// writer whose socket discards.
type benchCall struct {
	sender *endpoint
	st     *readerState
	all    []*endpoint
}

func newBenchCall(b testing.TB, n int) *benchCall {
	ids := []string{"s"}
	for i := range n {
		ids = append(ids, fmt.Sprintf("r%d", i))
	}
	c, eps := testConference(ids...)
	bc := &benchCall{sender: eps["s"], st: &readerState{buf: make([]byte, maxDatagram), plain: make([]byte, maxDatagram)}}
	giveVideo(c, bc.sender, 3)
	tbl := *bc.sender.ingress.Load()
	tbl.twccExt, tbl.levelExt = 5, 1
	bc.sender.ingress.Store(&tbl)
	dec, err := srtp.CreateContext(benchKey, benchSalt, srtp.ProtectionProfileAeadAes128Gcm)
	if err != nil {
		b.Fatal(err)
	}
	bc.sender.decrypt.Store(dec)
	bc.sender.twcc = newTWCCState(c.videoSSRC)
	for _, id := range ids {
		e := eps[id]
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, sendQueueLen)
		if id != "s" {
			m := testMedia()
			recv := buildIngress(&m, nil, id, nil)
			recv.twccExt = 5
			e.ingress.Store(recv)
		}
		e.out.Store(newWriter(e, benchContext(b), io.Discard))
		bc.all = append(bc.all, e)
	}
	for _, e := range bc.all[1:] {
		c.setPrefs(e, func(p *receiverPrefs) {
			p.onStage = []string{"s-v0"}
			p.per = map[string]constraint{"s-v0": {maxHeight: 720}}
		})
	}
	settle(c)
	return bc
}

// handle runs one datagram through the reader, which sends what it
// forwards through the receivers' writers.
func (bc *benchCall) handle(pkt []byte) {
	bc.sender.onSRTP(bc.st, pkt)
}

// benchBaseline is the decrypt plus one encrypt and write per receiver of
// each packet the bridge would forward (720p layer and audio).
type benchBaseline struct {
	dec   *srtp.Context
	encs  []*srtp.Context
	plain []byte
	out   []byte
	h     rtp.Header
	sent  int
}

func (bl *benchBaseline) handle(pkt []byte) {
	plain, err := bl.dec.DecryptRTP(bl.plain[:0], pkt, &bl.h)
	if err != nil || bl.h.SSRC == 20 || bl.h.SSRC == 21 {
		return
	}
	for _, enc := range bl.encs {
		res, err := enc.EncryptRTP(bl.out[:0], plain, &bl.h)
		if err == nil {
			bl.sent++
			_, _ = io.Discard.Write(res)
		}
	}
}

// BenchmarkForwarding feeds the same SRTP packets, in alternating chunks,
// to the baseline and to the bridge, so that both see the same machine
// load; an op is one input packet through both.
func BenchmarkForwarding(b *testing.B) {
	for _, n := range []int{1, 10, 30} {
		b.Run(fmt.Sprintf("receivers=%d", n), func(b *testing.B) {
			bl := &benchBaseline{dec: benchContext(b), plain: make([]byte, maxDatagram), out: make([]byte, 0, maxDatagram+64)}
			for range n {
				bl.encs = append(bl.encs, benchContext(b))
			}
			runPair(b, bl, newBenchCall(b, n))
		})
	}
}

// warmUp runs the call until every periodic piece of RTCP (transport-cc
// feedback, receiver reports) has been sent once, so that buffers have
// their steady-state sizes.
func warmUp(s *benchSender, bl *benchBaseline, bc *benchCall) {
	var batch [][]byte
	for start := time.Now(); time.Since(start) < rrInterval+twccInterval; {
		batch = s.batch(64, batch)
		for _, p := range batch {
			if bl != nil {
				bl.handle(p)
			}
			bc.handle(p)
		}
	}
}

// TestForwardingAllocations: in the steady state, forwarding (with the
// RTCP the bridge makes) allocates nothing, to the endpoints' writers and
// to an attached receiver (a Queue drained between batches).
func TestForwardingAllocations(t *testing.T) {
	bc, s := newBenchCall(t, 3), newBenchSender(t)
	q := NewQueue(4096)
	_, err := bc.sender.b.AddReceiver("m", "rec", q, Constraints{Endpoints: []string{"s"}, MaxHeight: -1})
	must(t, err)
	settle(bc.sender.conf)
	ctx, got := context.Background(), 0
	drainQueue := func() {
		for len(q.full) > 0 {
			p, _ := q.Next(ctx)
			got++
			q.Release(p)
		}
	}
	warmUp(s, nil, bc) // the queue overflows meanwhile: nobody drains it
	drainQueue()
	got, drops0 := 0, q.Drops()
	const runs = 20
	var batches [runs + 1][][]byte // made beforehand: the generator allocates
	for i := range batches {
		batches[i] = s.batch(1000, nil)
	}
	next, fwd, rtcp0 := 0, uint64(0), bc.sender.b.counters.rtcpRelayed.Load()
	allocs := testing.AllocsPerRun(runs, func() {
		f0 := bc.sender.b.counters.forwarded.Load()
		for _, p := range batches[next] {
			bc.handle(p)
		}
		drainQueue()
		next++
		fwd += bc.sender.b.counters.forwarded.Load() - f0
	})
	sent := bc.sender.b.counters.rtcpRelayed.Load() - rtcp0
	if drops := q.Drops() - drops0; allocs != 0 || fwd == 0 || sent == 0 || got == 0 || drops != 0 {
		t.Fatalf("%v allocations per 1000 input packets (%d forwarded, %d RTCP sent, %d to the attached receiver, %d dropped)",
			allocs, fwd, sent, got, drops)
	}
	t.Logf("%d forwarded, %d RTCP sent, %d to the attached receiver", fwd, sent, got)
}

// runPair runs b.N input packets through baseline and bridge (encrypted
// in batches with the timer stopped) and reports both rates, their ratio
// and the bridge's heap allocations per forwarded packet.
func runPair(b *testing.B, bl *benchBaseline, bc *benchCall) {
	b.ReportAllocs()
	s := newBenchSender(b)
	var batch [][]byte
	warmUp(s, bl, bc)
	var ms runtime.MemStats
	var tBase, tBridge time.Duration
	var mallocs uint64
	fwd0, sent0 := bc.sender.b.counters.forwarded.Load(), bl.sent
	b.ResetTimer()
	for done := 0; done < b.N; {
		b.StopTimer()
		batch = s.batch(min(1024, b.N-done), batch)
		batch = batch[:min(len(batch), b.N-done)]
		runtime.ReadMemStats(&ms)
		m0 := ms.Mallocs
		b.StartTimer()
		for k := 0; k < len(batch); k += 8 {
			chunk := batch[k:min(k+8, len(batch))]
			t0 := time.Now()
			for _, p := range chunk {
				bl.handle(p)
			}
			t1 := time.Now()
			for _, p := range chunk {
				bc.handle(p)
			}
			tBase, tBridge = tBase+t1.Sub(t0), tBridge+time.Since(t1)
		}
		b.StopTimer()
		runtime.ReadMemStats(&ms)
		mallocs += ms.Mallocs - m0
		done += len(batch)
		b.StartTimer()
	}
	fwd := bc.sender.b.counters.forwarded.Load() - fwd0
	b.ReportMetric(float64(b.N)/tBase.Seconds(), "base-pkt/s")
	b.ReportMetric(float64(b.N)/tBridge.Seconds(), "bridge-pkt/s")
	b.ReportMetric(tBase.Seconds()/tBridge.Seconds(), "x-baseline")
	b.ReportMetric(float64(fwd)/float64(b.N), "fwd/in")
	b.ReportMetric(float64(bl.sent-sent0)/float64(b.N), "base-out/in")
	if fwd > 0 {
		b.ReportMetric(float64(mallocs)/float64(fwd), "allocs/fwd")
	}
}
