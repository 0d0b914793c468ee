package bridge

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// feedbackFor builds transport-cc feedback for seqs first..first+n-1
// arriving at the given times (µs), except those in lost.
func feedbackFor(first uint16, arrivals []int64, lost map[uint16]bool) *rtcp.TransportLayerCC {
	ref := arrivals[0] / 64000
	fb := &rtcp.TransportLayerCC{BaseSequenceNumber: first, PacketStatusCount: uint16(len(arrivals)), ReferenceTime: uint32(ref)}
	last := ref * 64000
	for i, at := range arrivals {
		seq := first + uint16(i)
		sym := uint16(rtcp.TypeTCCPacketReceivedSmallDelta)
		if lost[seq] {
			sym = rtcp.TypeTCCPacketNotReceived
		} else {
			fb.RecvDeltas = append(fb.RecvDeltas, &rtcp.RecvDelta{Type: rtcp.TypeTCCPacketReceivedSmallDelta, Delta: at - last})
			last = at
		}
		fb.PacketChunks = append(fb.PacketChunks, &rtcp.RunLengthChunk{PacketStatusSymbol: sym, RunLength: 1})
	}
	return fb
}

func TestWalkFeedback(t *testing.T) {
	fb := feedbackFor(65534, []int64{64500, 65500, 66500, 67500}, map[uint16]bool{65535: true})
	var got []uint16
	var arrivals []int64
	walkFeedback(fb, func(seq uint16, received bool, at int64) {
		if received {
			got = append(got, seq)
			arrivals = append(arrivals, at)
		}
	})
	if len(got) != 3 || got[0] != 65534 || got[1] != 0 || got[2] != 1 || arrivals[2]-arrivals[0] != 3000 {
		t.Fatalf("received %v at %v", got, arrivals)
	}
}

// TestEstimator: packets of 1200 bytes are sent every 2 ms (4.8 Mbit/s).
// Delivered at the same pace the estimate grows; delivered twice as slowly
// (the queue grows) it falls to about what was delivered; heavy loss cuts
// it.
func TestEstimator(t *testing.T) {
	cases := []struct {
		name     string
		arrive   int64 // µs between arrivals
		lossy    bool
		min, max float64
	}{
		{"quiet link grows", 2000, false, bweInitial * 1.5, bweMax},
		{"queue builds up", 4000, false, bweMin, 2_600_000},
		{"heavy loss", 2000, true, bweMin, bweInitial * 0.8},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var log sentLog
			var x estimator
			now := time.Unix(100, 0)
			seq := uint16(0)
			arrival := now.UnixMicro() + 20_000
			for range 40 { // 40 feedback packets of 50 packets: 4 s
				first := seq
				lost := map[uint16]bool{}
				var arrivals []int64
				for i := range 50 {
					log.stamp(1200, now.Add(time.Duration(i)*2*time.Millisecond))
					arrival = max(arrival+tc.arrive, now.UnixMicro()+int64(i)*2000+20_000)
					arrivals = append(arrivals, arrival)
					if tc.lossy && i%4 == 0 {
						lost[seq] = true
					}
					seq++
				}
				now = now.Add(100 * time.Millisecond)
				x.update(summarize(feedbackFor(first, arrivals, lost), &log), now)
			}
			if v := float64(x.estimate.Load()); v < tc.min || v > tc.max {
				t.Fatalf("estimate %.0f, want %.0f..%.0f", v, tc.min, tc.max)
			}
		})
	}
}

func TestExtensionValue(t *testing.T) {
	pkt := paddingPacket(nil, 7, 96, 1, 5)
	v := extensionValue(pkt, 5)
	if len(v) != 2 {
		t.Fatalf("twcc value %x", v)
	}
	v[0], v[1] = 0xAB, 0xCD
	if w := extensionValue(pkt, 5); w[0] != 0xAB || extensionValue(pkt, 6) != nil {
		t.Fatal("value not found in place")
	}
	if _, _, ok := rtpPayload(pkt); ok {
		t.Fatal("padding packet has a payload")
	}
	two := []byte{0x90, 100, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x10, 0x00, 0, 1, 5, 2, 0xAA, 0xBB}
	if v := extensionValue(two, 5); len(v) != 2 || v[0] != 0xAA {
		t.Fatalf("two-byte form %x", v)
	}
}

// TestConnectionStats: feedback gives the endpoint an estimate, which the
// client hears at most every connectionStatsEvery.
func TestConnectionStats(t *testing.T) {
	_, eps := testConference("a")
	e := eps["a"]
	now := time.Unix(100, 0)
	for i := range 3 {
		e.sent.stamp(1200, now)
		fb := feedbackFor(uint16(i), []int64{now.UnixMicro() + 10_000}, nil)
		e.onTransportFeedback(fb, now)
		now = now.Add(time.Second)
	}
	msgs := drain(e.msgQ)
	n := 0
	for _, m := range msgs {
		if strings.Contains(m, `"colibriClass":"ConnectionStats","estimatedDownlinkBandwidth":`) {
			n++
		}
	}
	if n != 1 || e.budget() <= 0 {
		t.Fatalf("%d ConnectionStats in %v, budget %v", n, msgs, e.budget())
	}
}

// TestSentLog: send times survive the 32-bit wrap of their stored
// microseconds, empty and overwritten slots are not found.
func TestSentLog(t *testing.T) {
	var l sentLog
	t0 := clockBase.Add((1<<32 - 500) * time.Microsecond) // the low 32 bits wrap 500 µs later
	for i := range 3 {
		l.stamp(1000+i, t0.Add(time.Duration(i)*time.Millisecond))
	}
	for i := range 3 {
		size, at, ok := l.lookup(uint16(i))
		if want := monoNanos(t0.Add(time.Duration(i)*time.Millisecond)) / 1000; !ok || size != 1000+i || at != want {
			t.Fatalf("packet %d: %d %d %v, want size %d at %d", i, size, at, ok, 1000+i, want)
		}
	}
	if _, _, ok := l.lookup(3); ok {
		t.Fatal("found a packet never sent")
	}
	for range sentRing {
		l.stamp(100, t0.Add(time.Second))
	}
	if _, _, ok := l.lookup(0); ok {
		t.Fatal("found an overwritten packet")
	}
}

// TestEstimatorSparseLoss: small feedback packets (six packets every
// 30 ms) with one packet lost in every third (5.6 % loss) on a quiet link
// leave the estimate growing: one lost packet in six is not 17 % loss.
func TestEstimatorSparseLoss(t *testing.T) {
	var log sentLog
	var x estimator
	now := time.Unix(100, 0)
	seq := uint16(0)
	for n := range 100 { // 3 s
		first := seq
		lost := map[uint16]bool{}
		var arrivals []int64
		for i := range 6 {
			log.stamp(1200, now.Add(time.Duration(i)*5*time.Millisecond))
			arrivals = append(arrivals, now.UnixMicro()+int64(i)*5000+20_000)
			if n%3 == 0 && i == 2 {
				lost[seq] = true
			}
			seq++
		}
		now = now.Add(30 * time.Millisecond)
		x.update(summarize(feedbackFor(first, arrivals, lost), &log), now)
	}
	if v := float64(x.estimate.Load()); v < bweInitial {
		t.Fatalf("estimate %.0f after 3 s of 5.6 %% loss, want ≥ %.0f", v, bweInitial)
	}
}

// TestSummarizeRate: a batch's delivered bytes leave out the earliest
// arrival's, which only opens the span (three packets 1 ms apart carry two
// packets' bytes in 2 ms, not three); counting it made the rate of a
// frame burst read 50 % high, and a cut to 85 % of it stayed above a
// 500 kbit/s link while the queue grew.
func TestSummarizeRate(t *testing.T) {
	var log sentLog
	now := time.Unix(100, 0)
	for range 3 {
		log.stamp(1000, now)
	}
	b := summarize(feedbackFor(0, []int64{now.UnixMicro() + 20_000, now.UnixMicro() + 21_000, now.UnixMicro() + 22_000}, nil), &log)
	if b.total != 3 || b.bytes != 2000 || b.lastAr-b.first != 2000 {
		t.Fatalf("batch %+v", b)
	}
}
