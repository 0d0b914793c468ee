package bridge

import (
	"encoding/binary"
	"math/rand/v2"
	"slices"
	"time"

	"github.com/pion/interceptor"
	"github.com/pion/interceptor/pkg/gcc"
	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// A simulated bottleneck for comparing bandwidth estimators (bwe_ab_test.go).
// It runs on the clock of a testing/synctest bubble, so pion's GCC, which
// reads time.Now itself, sees the same virtual time as ours.

const (
	simTick     = time.Millisecond      // virtual clock step
	simFrame    = 33 * time.Millisecond // the sender sends a frame's packets at once, 30 times a second
	simFeedback = 50 * time.Millisecond // receiver's transport-cc interval
	simProp     = 20 * time.Millisecond // one-way propagation delay
	simPacket   = 1200                  // bytes
	simSample   = 100 * time.Millisecond
	simTCCExtID = 5
	simTCCURI   = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
)

// simBWE is one estimator under test, driven by the sender.
type simBWE interface {
	sent(seq uint16, size int, now time.Time)
	feedback(pkts []rtcp.Packet, now time.Time)
	target() float64
	close()
}

// ourBWE is meetd's estimator with its sent log.
type ourBWE struct {
	log sentLog
	x   estimator
}

func (o *ourBWE) sent(_ uint16, size int, now time.Time) { o.log.stamp(size, now) }
func (o *ourBWE) close()                                 {}

func (o *ourBWE) feedback(pkts []rtcp.Packet, now time.Time) {
	for _, p := range pkts {
		if fb, ok := p.(*rtcp.TransportLayerCC); ok {
			o.x.update(summarize(fb, &o.log), now)
		}
	}
}

func (o *ourBWE) target() float64 {
	if v := o.x.estimate.Load(); v > 0 {
		return float64(v)
	}
	return bweInitial
}

// pionBWE is pion's gcc.SendSideBWE behind a pass-through pacer.
type pionBWE struct {
	bwe     *gcc.SendSideBWE
	w       interceptor.RTPWriter
	payload []byte
}

func newPionBWE() *pionBWE {
	bwe, err := gcc.NewSendSideBWE(gcc.SendSideBWEInitialBitrate(int(bweInitial)),
		gcc.SendSideBWEMinBitrate(int(bweMin)), gcc.SendSideBWEMaxBitrate(int(bweMax)),
		gcc.SendSideBWEPacer(gcc.NewNoOpPacer()))
	if err != nil {
		panic(err) // options are constant
	}
	info := &interceptor.StreamInfo{SSRC: 1, RTPHeaderExtensions: []interceptor.RTPHeaderExtension{{URI: simTCCURI, ID: simTCCExtID}}}
	w := bwe.AddStream(info, interceptor.RTPWriterFunc(func(_ *rtp.Header, p []byte, _ interceptor.Attributes) (int, error) {
		return len(p), nil
	}))
	return &pionBWE{bwe: bwe, w: w, payload: make([]byte, simPacket)}
}

func (p *pionBWE) sent(seq uint16, size int, _ time.Time) {
	h := &rtp.Header{Version: 2, SSRC: 1, SequenceNumber: seq}
	var ext [2]byte
	binary.BigEndian.PutUint16(ext[:], seq)
	_ = h.SetExtension(simTCCExtID, ext[:])
	_, _ = p.w.Write(h, p.payload[:size-h.MarshalSize()], nil)
}

func (p *pionBWE) feedback(pkts []rtcp.Packet, _ time.Time) { _ = p.bwe.WriteRTCP(pkts, nil) }
func (p *pionBWE) target() float64                          { return float64(p.bwe.GetTargetBitrate()) }
func (p *pionBWE) close()                                   { _ = p.bwe.Close() }

// simScenario describes the bottleneck over time.
type simScenario struct {
	name     string
	duration time.Duration
	capacity func(t time.Duration) float64 // bps
	loss     float64                       // random loss probability
	jitter   time.Duration                 // extra arrival delay, uniform 0..jitter
	stalls   bool                          // loaded host: twice a second on average arrivals are held 20–60 ms
	buffer   int                           // packets the queue holds (tail drop)
	dip      bool                          // capacity is dipCapacity: measure the fall and the recovery
}

// simPoint is one sample of a run.
type simPoint struct {
	at               time.Duration
	target, capacity float64
}

// simRun is what one estimator did in one scenario.
type simRun struct {
	points    []simPoint
	delivered []int64         // bytes delivered per sample
	queue     []time.Duration // queueing delay of every delivered packet
	queueAt   []time.Duration // when each was sent
}

// inflight is a packet between sender and receiver.
type inflight struct {
	seq     uint16
	arrival time.Duration
}

// simLink is the bottleneck's state during a run.
type simLink struct {
	sc          simScenario
	rng         *rand.Rand
	free        time.Duration // when the link has sent its backlog
	lastArrival time.Duration
	stallEnd    time.Duration
	flight      []inflight
}

// send queues one packet sent at t; false if the link dropped it.
func (l *simLink) send(seq uint16, t time.Duration, run *simRun) bool {
	c := l.sc.capacity(t)
	service := time.Duration(float64(simPacket*8) / c * float64(time.Second))
	backlog := max(l.free-t, 0)
	if l.rng.Float64() < l.sc.loss || int(backlog/service) >= l.sc.buffer {
		return false
	}
	start := max(l.free, t)
	l.free = start + service
	arrival := l.free + simProp
	if l.sc.jitter > 0 {
		arrival += time.Duration(l.rng.Int64N(int64(l.sc.jitter)))
	}
	arrival = max(arrival, l.lastArrival, l.stallEnd)
	l.lastArrival = arrival
	l.flight = append(l.flight, inflight{seq: seq, arrival: arrival})
	run.queue = append(run.queue, start-t)
	run.queueAt = append(run.queueAt, t)
	return true
}

// tick lets a loaded host stall the receiver now and then.
func (l *simLink) tick(t time.Duration) {
	if l.sc.stalls && l.rng.Float64() < 2*simTick.Seconds() {
		l.stallEnd = max(l.stallEnd, t+20*time.Millisecond+time.Duration(l.rng.Int64N(int64(40*time.Millisecond))))
	}
}

// arrived records every packet that arrived by t and returns the
// receiver's feedback as it would come off the wire.
func (l *simLink) arrived(t time.Duration, epoch time.Time, rec *twcc.Recorder, run *simRun) []rtcp.Packet {
	n := 0
	for _, p := range l.flight {
		if p.arrival > t {
			break
		}
		rec.Record(1, p.seq, epoch.Add(p.arrival).UnixMicro())
		run.delivered[int(p.arrival/simSample)] += simPacket
		n++
	}
	l.flight = l.flight[n:]
	if n == 0 {
		return nil
	}
	raw, err := rtcp.Marshal(rec.BuildFeedbackPacket())
	if err != nil {
		return nil
	}
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil {
		return nil
	}
	return pkts
}

// simulate runs one estimator through a scenario. It must run inside a
// synctest bubble: time.Sleep advances the virtual clock.
func simulate(sc simScenario, bwe simBWE, wait func()) *simRun {
	defer bwe.close()
	run := &simRun{delivered: make([]int64, sc.duration/simSample+20)}
	link := &simLink{sc: sc, rng: rand.New(rand.NewPCG(4, uint64(len(sc.name))))}
	rec := twcc.NewRecorder(2)
	epoch := time.Now()
	type pending struct {
		at   time.Duration
		pkts []rtcp.Packet
	}
	var fbq []pending
	credit, seq := 0.0, uint16(0)
	for t := time.Duration(0); t < sc.duration; t += simTick {
		time.Sleep(simTick)
		now := time.Now()
		link.tick(t)
		credit += bwe.target() * simTick.Seconds() / 8
		for ; t%simFrame == 0 && credit >= simPacket; credit -= simPacket {
			bwe.sent(seq, simPacket, now)
			link.send(seq, t, run)
			seq++
		}
		if t%simFeedback == 0 {
			if pkts := link.arrived(t, epoch, rec, run); pkts != nil {
				fbq = append(fbq, pending{at: t + simProp, pkts: pkts})
			}
		}
		for len(fbq) > 0 && fbq[0].at <= t {
			bwe.feedback(fbq[0].pkts, now)
			fbq = fbq[1:]
			wait()
		}
		if t%simSample == 0 {
			run.points = append(run.points, simPoint{at: t, target: bwe.target(), capacity: sc.capacity(t)})
		}
	}
	return run
}

// firstAfter is how long after from the estimate first met ok; -1 if never.
func (r *simRun) firstAfter(from time.Duration, ok func(p simPoint) bool) time.Duration {
	for _, p := range r.points {
		if p.at >= from && ok(p) {
			return p.at - from
		}
	}
	return -1
}

// utilisation is delivered bits over capacity in [from, to).
func (r *simRun) utilisation(from, to time.Duration, capacity func(time.Duration) float64) float64 {
	var got, could float64
	for i := from / simSample; i < to/simSample; i++ {
		got += float64(r.delivered[i] * 8)
		could += capacity(i*simSample) * simSample.Seconds()
	}
	return got / could
}

// queueP95 is the 95th percentile queueing delay of packets sent in [from, to).
func (r *simRun) queueP95(from, to time.Duration) time.Duration {
	var q []time.Duration
	for i, at := range r.queueAt {
		if at >= from && at < to {
			q = append(q, r.queue[i])
		}
	}
	if len(q) == 0 {
		return 0
	}
	slices.Sort(q)
	return q[len(q)*95/100]
}

// atFloor is the share of samples with the estimate at its floor.
func (r *simRun) atFloor() float64 {
	n := 0
	for _, p := range r.points {
		if p.target <= 1.1*bweMin {
			n++
		}
	}
	return float64(n) / float64(len(r.points))
}
