package load

import (
	"sync/atomic"
	"time"
)

// latBuckets is the size of the latency histogram: 10 µs steps below 1 ms,
// 100 µs steps to 11 ms, 1 ms steps to 200 ms, then one overflow bucket.
const latBuckets = 100 + 100 + 189 + 1

func latBucket(d time.Duration) int {
	us := int(d / time.Microsecond)
	switch {
	case us < 0:
		return 0
	case us < 1000:
		return us / 10
	case us < 11000:
		return 100 + (us-1000)/100
	case us < 200000:
		return 200 + (us-11000)/1000
	}
	return latBuckets - 1
}

// bucketUpper is the upper bound of a latency bucket.
func bucketUpper(i int) time.Duration {
	switch {
	case i < 100:
		return time.Duration(i+1) * 10 * time.Microsecond
	case i < 200:
		return time.Millisecond + time.Duration(i-99)*100*time.Microsecond
	case i < latBuckets-1:
		return 11*time.Millisecond + time.Duration(i-199)*time.Millisecond
	}
	return time.Second
}

// counters are one endpoint's running totals; a reader and a sender
// goroutine write them, snapshots read them.
type counters struct {
	sentPkts, sentBytes  atomic.Int64
	rxPkts, rxBytes      atomic.Int64
	rxAudio              atomic.Int64 // Opus packets among rxPkts
	rxExpected, rxRTX    atomic.Int64
	rxProbed             atomic.Int64
	keyframes, plis      atomic.Int64
	nacksIn, rtxSent     atomic.Int64
	nacksOut, twccOut    atomic.Int64
	srtpErrors, rtcpRecv atomic.Int64
	lat                  [latBuckets]atomic.Uint32
}

// Totals is a point-in-time sum of counters over endpoints.
type Totals struct {
	At               time.Time
	SentPackets      int64
	SentBytes        int64
	ReceivedPackets  int64
	ReceivedBytes    int64
	AudioReceived    int64 // Opus packets among ReceivedPackets
	ExpectedPackets  int64 // by RTP sequence numbers of forwarded streams
	RTXReceived      int64
	ProbedPackets    int64
	Keyframes        int64
	PLIsReceived     int64
	NACKsReceived    int64
	RTXSent          int64
	NACKsSent        int64
	TWCCFeedbackSent int64
	SRTPErrors       int64
	Latency          [latBuckets]uint32
}

func (t *Totals) add(c *counters) {
	t.SentPackets += c.sentPkts.Load()
	t.SentBytes += c.sentBytes.Load()
	t.ReceivedPackets += c.rxPkts.Load()
	t.ReceivedBytes += c.rxBytes.Load()
	t.AudioReceived += c.rxAudio.Load()
	t.ExpectedPackets += c.rxExpected.Load()
	t.RTXReceived += c.rxRTX.Load()
	t.ProbedPackets += c.rxProbed.Load()
	t.Keyframes += c.keyframes.Load()
	t.PLIsReceived += c.plis.Load()
	t.NACKsReceived += c.nacksIn.Load()
	t.RTXSent += c.rtxSent.Load()
	t.NACKsSent += c.nacksOut.Load()
	t.TWCCFeedbackSent += c.twccOut.Load()
	t.SRTPErrors += c.srtpErrors.Load()
	for i := range c.lat {
		t.Latency[i] += c.lat[i].Load()
	}
}

// Window is what happened between two Totals.
type Window struct {
	Duration        time.Duration
	SentPackets     int64
	ReceivedPackets int64
	ReceivedBytes   int64
	Lost            int64 // expected minus received on forwarded streams
	Expected        int64
	RTXReceived     int64
	NACKsSent       int64
	Probed          int64
	LatencyP50      time.Duration
	LatencyP99      time.Duration
	LatencyP999     time.Duration
}

// Diff returns the window from a to b.
func Diff(a, b *Totals) Window {
	w := Window{Duration: b.At.Sub(a.At), SentPackets: b.SentPackets - a.SentPackets,
		ReceivedPackets: b.ReceivedPackets - a.ReceivedPackets, ReceivedBytes: b.ReceivedBytes - a.ReceivedBytes,
		Expected: b.ExpectedPackets - a.ExpectedPackets, RTXReceived: b.RTXReceived - a.RTXReceived,
		NACKsSent: b.NACKsSent - a.NACKsSent, Probed: b.ProbedPackets - a.ProbedPackets}
	w.Lost = max(0, w.Expected-(w.ReceivedPackets-w.RTXReceived))
	var h [latBuckets]uint32
	for i := range h {
		h[i] = b.Latency[i] - a.Latency[i]
	}
	w.LatencyP50, w.LatencyP99, w.LatencyP999 = quantile(&h, 0.5), quantile(&h, 0.99), quantile(&h, 0.999)
	return w
}

// ReceivedPPS is forwarded packets received per second.
func (w Window) ReceivedPPS() float64 {
	if w.Duration <= 0 {
		return 0
	}
	return float64(w.ReceivedPackets) / w.Duration.Seconds()
}

// MediaPackets is the forwarded media packets: received packets less RTX
// (retransmissions and the bandwidth probes an SFU pads on RTX SSRCs).
func (w Window) MediaPackets() int64 { return w.ReceivedPackets - w.RTXReceived }

// LossRatio is lost ÷ expected.
func (w Window) LossRatio() float64 {
	if w.Expected <= 0 {
		return 0
	}
	return float64(w.Lost) / float64(w.Expected)
}

func quantile(h *[latBuckets]uint32, q float64) time.Duration {
	var n uint64
	for _, c := range h {
		n += uint64(c)
	}
	if n == 0 {
		return 0
	}
	want := uint64(q * float64(n))
	var acc uint64
	for i, c := range h {
		acc += uint64(c)
		if acc > want {
			return bucketUpper(i)
		}
	}
	return bucketUpper(latBuckets - 1)
}
