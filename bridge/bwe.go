package bridge

import (
	"math"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"

	"meetd/colibri"
)

// Downlink bandwidth estimation per receiver (docs/media.md#bandwidth-estimation): the bridge
// stamps its own transport-wide sequence numbers on everything it sends an
// endpoint and estimates from the endpoint's transport-cc feedback. The
// estimator is delay- and loss-based in the spirit of GCC: queueing delay
// over bweOveruse for bweOveruseFor and still growing, or loss over
// bweLossHigh (judged over at least bweLossSpan packets), cuts the estimate
// to what was delivered; a quiet link (queueing delay under bweUnderuse, or
// under bweOveruse and not growing) lets it grow by bweGrowth per second
// (bweNearCut for bweHold after a cut while it is within bweNearSpan of
// what the cut left, so a limited link is not overrun again at once),
// bounded by 2.5 times the delivered rate plus 500 kbit/s (probing fills
// the gap). bwe_ab_test.go compares it with pion's GCC on a simulated link.
const (
	bweInitial    = 2_500_000.0
	bweMin        = 100_000.0
	bweMax        = 20_000_000.0
	bweOveruse    = 40.0                   // ms of queueing delay
	bweOveruseFor = 100 * time.Millisecond // ... held this long (a stalled host is not a full queue)
	bweUnderuse   = 15.0                   // ms
	bweLossHigh   = 0.1
	bweGrowth     = 0.35 // per second
	bweNearCut    = 0.08 // per second, for bweHold after a cut
	bweHold       = 8 * time.Second
	bweNearSpan   = 1.3 // ... while the estimate is below this times what the cut left
	bweBaseReset  = 10 * time.Second
	bweLossSpan   = 50   // packets: loss is judged over at least this many (one feedback can hold a handful)
	sentRing      = 2048 // stamped packets remembered: 1 s at 2000 packets/s
	// connectionStatsEvery is how often a client hears its estimate.
	connectionStatsEvery = 10 * time.Second
)

// sentPacket is one packet the writer stamped (8 bytes: the log is kept
// for every endpoint).
type sentPacket struct {
	seq  uint16
	size uint16 // 0: empty slot
	at   uint32 // monotonic microseconds (clock.go), low 32 bits
}

// sentLog numbers the packets sent to one endpoint. The writer stamps, the
// endpoint's reader looks up on feedback.
type sentLog struct {
	mu     sync.Mutex
	next   uint16
	lastAt int64 // monotonic microseconds of the newest stamp
	ring   [sentRing]sentPacket
}

// stamp assigns the next transport-wide sequence number to a packet.
func (l *sentLog) stamp(size int, now time.Time) uint16 {
	us := monoNanos(now) / 1000 // monotonic µs (clock.go)
	l.mu.Lock()
	seq := l.next
	l.next++
	l.lastAt = max(l.lastAt, us)
	l.ring[seq%sentRing] = sentPacket{seq: seq, size: uint16(min(max(size, 1), math.MaxUint16)), at: uint32(us)}
	l.mu.Unlock()
	return seq
}

// lookup returns the size and send time (monotonic microseconds) of packet seq.
// The time is rebuilt from its low 32 bits and the newest stamp, so it is
// right for packets sent within the last 71 minutes.
func (l *sentLog) lookup(seq uint16) (size int, at int64, ok bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	p := l.ring[seq%sentRing]
	if p.seq != seq || p.size == 0 {
		return 0, 0, false
	}
	return int(p.size), l.lastAt - int64(uint32(l.lastAt)-p.at), true
}

// estimator turns one endpoint's feedback into an estimate. Reader
// goroutine only, except estimate.
type estimator struct {
	value               float64 // bps
	rate                float64 // delivered bps, smoothed
	base                float64 // lowest one-way delay seen (ms, arbitrary origin)
	queue               float64 // queueing delay above base (ms), smoothed
	baseAt              time.Time
	last                time.Time
	have                bool
	estimate            atomic.Int64 // published value; 0 = no feedback yet
	allocAt             time.Time    // when the allocation last followed the estimate
	allocFor            float64      // the estimate it followed
	toldAt              time.Time    // when the client was last sent ConnectionStats
	cutAt               time.Time    // when delay or loss last cut the estimate
	cutTo               float64      // what that cut left (bps)
	overAt              time.Time    // since when queueing delay is over bweOveruse; zero: it is not
	spanTotal, spanLost int          // the loss span being filled
	loss                float64      // loss of the last complete span
}

// feedbackBatch summarises one transport-cc feedback packet.
type feedbackBatch struct {
	total, lost   int
	bytes         int // received, less the earliest arrival's (the span starts with it)
	firstBytes    int
	minOWD, owd   float64 // ms: smallest and mean one-way delay
	first, lastAr int64   // arrival span, µs
}

// summarize matches a feedback packet with what was sent.
func summarize(fb *rtcp.TransportLayerCC, log *sentLog) feedbackBatch {
	a := batchAcc{log: log, b: feedbackBatch{minOWD: math.Inf(1)}}
	walkFeedback(fb, a.add)
	return a.done()
}

// batchAcc builds a feedbackBatch from the packet statuses of one
// feedback packet (pion's form or the raw one, rtcpread.go).
type batchAcc struct {
	log *sentLog
	b   feedbackBatch
	sum float64
	n   int
}

func (a *batchAcc) add(seq uint16, received bool, arrival int64) {
	size, at, ok := a.log.lookup(seq)
	if !ok {
		return
	}
	b := &a.b
	b.total++
	if !received {
		b.lost++
		return
	}
	owd := float64(arrival-at) / 1000
	a.sum += owd
	a.n++
	b.minOWD = min(b.minOWD, owd)
	b.bytes += size
	if b.first == 0 || arrival < b.first {
		b.first, b.firstBytes = arrival, size
	}
	b.lastAr = max(b.lastAr, arrival)
}

func (a *batchAcc) done() feedbackBatch {
	if a.n > 0 {
		a.b.owd = a.sum / float64(a.n)
		a.b.bytes -= a.b.firstBytes
	}
	return a.b
}

// walkFeedback calls fn for every packet status of a feedback packet, with
// its arrival time in microseconds on the receiver's clock.
func walkFeedback(fb *rtcp.TransportLayerCC, fn func(seq uint16, received bool, arrival int64)) {
	seq, left, di := fb.BaseSequenceNumber, int(fb.PacketStatusCount), 0
	t := int64(fb.ReferenceTime) * 64000
	emit := func(sym uint16) {
		if left <= 0 {
			return
		}
		left--
		got := sym == rtcp.TypeTCCPacketReceivedSmallDelta || sym == rtcp.TypeTCCPacketReceivedLargeDelta
		if got && di < len(fb.RecvDeltas) && fb.RecvDeltas[di] != nil {
			t += fb.RecvDeltas[di].Delta
			di++
			fn(seq, true, t)
		} else if !got {
			fn(seq, false, 0)
		}
		seq++
	}
	for _, c := range fb.PacketChunks {
		switch c := c.(type) {
		case *rtcp.RunLengthChunk:
			for range min(int(c.RunLength), left) {
				emit(c.PacketStatusSymbol)
			}
		case *rtcp.StatusVectorChunk:
			for _, s := range c.SymbolList {
				emit(s)
			}
		}
	}
}

// update folds one batch into the estimate and publishes it.
func (x *estimator) update(b feedbackBatch, now time.Time) {
	if b.total == 0 {
		return
	}
	if !x.have {
		x.value, x.have, x.last, x.base, x.baseAt = bweInitial, true, now, b.minOWD, now
	}
	dt := min(now.Sub(x.last).Seconds(), 1)
	x.last = now
	if span := float64(b.lastAr-b.first) / 1e6; span >= 0.02 && b.bytes > 0 {
		r := float64(b.bytes*8) / span
		x.rate += 0.3 * (r - x.rate)
	}
	if b.total > b.lost && (b.minOWD < x.base || now.Sub(x.baseAt) > bweBaseReset) {
		x.base, x.baseAt = b.minOWD, now
	}
	prev := x.queue
	if b.total > b.lost {
		x.queue += 0.3 * (b.owd - x.base - x.queue)
	}
	switch {
	case x.lossSpan(b):
		x.value *= 1 - 0.5*x.loss
		x.cutAt, x.cutTo = now, x.value
	case x.overuse(prev, now):
		x.value = min(x.value, 0.85*x.rate)
		x.cutAt, x.cutTo = now, x.value
	case x.loss <= bweLossHigh && (x.queue < bweUnderuse || x.queue < bweOveruse && x.queue <= prev):
		x.grow(now, dt)
	}
	x.value = min(max(x.value, bweMin), bweMax)
	x.estimate.Store(int64(x.value))
}

// grow raises the estimate on a quiet link: slowly for bweHold after a cut
// while it is near what the cut left, by bweGrowth per second otherwise.
func (x *estimator) grow(now time.Time, dt float64) {
	growth := bweGrowth
	if now.Sub(x.cutAt) < bweHold && x.value < bweNearSpan*x.cutTo {
		growth = bweNearCut
	}
	x.value = min(x.value*(1+growth*dt), max(x.value, 2.5*x.rate+500_000))
}

// overuse reports whether queueing delay has been over bweOveruse for
// bweOveruseFor and is still growing.
func (x *estimator) overuse(prev float64, now time.Time) bool {
	if x.queue <= bweOveruse {
		x.overAt = time.Time{}
		return false
	}
	if x.overAt.IsZero() {
		x.overAt = now
	}
	return x.queue > prev && now.Sub(x.overAt) >= bweOveruseFor
}

// lossSpan adds a batch to the loss span; when the span is complete it
// sets x.loss and reports whether the loss calls for a cut. Judging loss
// per feedback packet would cut on one lost packet of six.
func (x *estimator) lossSpan(b feedbackBatch) bool {
	x.spanTotal += b.total
	x.spanLost += b.lost
	if x.spanTotal < bweLossSpan {
		return false
	}
	x.loss = float64(x.spanLost) / float64(x.spanTotal)
	x.spanTotal, x.spanLost = 0, 0
	return x.loss > bweLossHigh
}

// onTransportFeedback handles an endpoint's transport-cc feedback for what
// the bridge sent it, and reallocates when the estimate moved by more than
// 15 % (or every 2 s, as layer bitrates change).
func (e *endpoint) onTransportFeedback(fb *rtcp.TransportLayerCC, now time.Time) {
	e.onFeedbackBatch(summarize(fb, &e.sent), now)
}

// onFeedbackBatch updates the estimate from one feedback packet's batch.
func (e *endpoint) onFeedbackBatch(b feedbackBatch, now time.Time) {
	x := &e.bwe
	e.meter.lostOut.Add(uint64(b.lost))
	e.b.counters.lostOut.Add(uint64(b.lost))
	x.update(b, now)
	v := float64(x.estimate.Load())
	if v == 0 {
		return
	}
	if now.Sub(x.toldAt) >= connectionStatsEvery {
		x.toldAt = now
		e.sendJSON(colibri.NewConnectionStats(int64(v)))
	}
	if math.Abs(v-x.allocFor) > 0.15*x.allocFor || now.Sub(x.allocAt) > 2*time.Second {
		x.allocFor, x.allocAt = v, now
		e.log.Debug("bandwidth estimate", "bps", int64(v), "delivered", int64(x.rate))
		e.conf.reallocate()
	}
}

// budget is the bandwidth allocation may use for e; -1 before any feedback.
func (e *endpoint) budget() float64 {
	if v := e.bwe.estimate.Load(); v > 0 {
		return float64(v)
	}
	return -1
}
