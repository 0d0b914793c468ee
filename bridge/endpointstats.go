package bridge

import (
	"slices"
	"sync/atomic"
	"time"
)

// EndpointStats describes one endpoint for metrics. Rates are averages
// since the previous EndpointStats call (or the endpoint's start).
type EndpointStats struct {
	Conference string // meeting id
	Endpoint   string
	// BitrateIn and BitrateOut are the RTP/RTCP bit rates from and to the
	// endpoint (SRTP-protected bytes).
	BitrateIn, BitrateOut float64
	// LostIn counts packets the endpoint's uplink lost (gaps the bridge
	// NACKed); LostOut packets its transport-cc feedback reported lost.
	LostIn, LostOut uint64
	// Retransmitted counts packets the bridge re-sent for its NACKs.
	Retransmitted uint64
	// SilenceDropped counts the endpoint's silent audio packets the bridge
	// did not forward to other clients (silence.go).
	SilenceDropped uint64
	// RTT is the ICE round-trip time of the selected candidate pair.
	RTT time.Duration
	// EstimateBps is the downlink bandwidth estimate (0: no feedback yet).
	EstimateBps int64
	// Forwarded maps each source the endpoint receives to the frame height
	// of the encoding selected for it.
	Forwarded map[string]int
}

// meter counts one endpoint's traffic; written by its reader and writer.
type meter struct {
	bytesIn, bytesOut atomic.Uint64
	lostIn, lostOut   atomic.Uint64
	retransmitted     atomic.Uint64
	silenceDropped    atomic.Uint64
	// Guarded by Bridge.statsMu: the previous sample.
	prevIn, prevOut uint64
	prevAt          time.Time
}

// EndpointStats returns a snapshot of every endpoint on the bridge, in
// conference and endpoint order.
func (b *Bridge) EndpointStats() []EndpointStats {
	b.mu.Lock()
	confs := make([]*conference, 0, len(b.confs))
	for _, c := range b.confs {
		confs = append(confs, c)
	}
	b.mu.Unlock()
	b.statsMu.Lock()
	defer b.statsMu.Unlock()
	now := time.Now()
	var out []EndpointStats
	for _, c := range confs {
		for _, e := range c.list() {
			out = append(out, e.stats(now))
		}
	}
	slices.SortFunc(out, func(a, b EndpointStats) int {
		if a.Conference != b.Conference {
			return cmpString(a.Conference, b.Conference)
		}
		return cmpString(a.Endpoint, b.Endpoint)
	})
	return out
}

// stats samples one endpoint; Bridge.statsMu must be held.
func (e *endpoint) stats(now time.Time) EndpointStats {
	m := &e.meter
	in, out := m.bytesIn.Load(), m.bytesOut.Load()
	s := EndpointStats{Conference: e.conf.meetingID, Endpoint: e.id,
		LostIn: m.lostIn.Load(), LostOut: m.lostOut.Load(), Retransmitted: m.retransmitted.Load(), SilenceDropped: m.silenceDropped.Load(),
		EstimateBps: e.bwe.estimate.Load(), RTT: e.rtt(), Forwarded: map[string]int{}}
	if !m.prevAt.IsZero() {
		if d := now.Sub(m.prevAt).Seconds(); d > 0 {
			s.BitrateIn = float64((in-m.prevIn)*8) / d
			s.BitrateOut = float64((out-m.prevOut)*8) / d
		}
	}
	m.prevIn, m.prevOut, m.prevAt = in, out, now
	a := e.down.alloc.Load()
	for _, o := range e.conf.list() {
		for _, src := range o.ingress.Load().video {
			if t := a.target(src.primary); o != e && t.enc >= 0 {
				s.Forwarded[src.name] = src.height(int(src.activeAtOrBelow(t.enc, now)))
			}
		}
	}
	return s
}

// rtt is the round-trip time of the selected ICE pair (0 when unknown).
func (e *endpoint) rtt() time.Duration {
	if e.agent == nil {
		return 0
	}
	p, err := e.agent.GetSelectedCandidatePair()
	if err != nil || p == nil {
		return 0
	}
	return time.Duration(p.CurrentRoundTripTime() * float64(time.Second))
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}
