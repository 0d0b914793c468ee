package bridge

import (
	"sync"
	"time"
)

// DefaultCapacityPPS is the packet rate at which a bridge reports stress
// 1.0 when Config.CapacityPPS is 0 (the same order as Jitsi Videobridge's
// default packet-rate load threshold).
const DefaultCapacityPPS = 50000

// stressMeter turns the bridge's packet counters into the stress level the
// focus reads from the brewery presence: the packet rate (media packets
// received plus packets forwarded, per second, over the time since the
// previous sample) divided by the configured capacity (docs/scale-out.md#stress).
type stressMeter struct {
	mu      sync.Mutex
	at      time.Time
	packets uint64
	pps     float64
}

// sample records the counter total at now and returns the packet rate
// since the previous sample (0 for the first).
func (m *stressMeter) sample(now time.Time, packets uint64) float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.at.IsZero() && now.After(m.at) && packets >= m.packets {
		m.pps = float64(packets-m.packets) / now.Sub(m.at).Seconds()
	}
	m.at, m.packets = now, packets
	return m.pps
}

// last returns the rate of the latest sample.
func (m *stressMeter) last() float64 {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.pps
}

// Load is the bridge's current load: its packet rate and the stress level
// it announces (rate / capacity).
type Load struct {
	PacketsPerSecond float64
	Stress           float64
}

// Load returns the load measured at the latest brewery presence.
func (b *Bridge) Load() Load {
	pps := b.stress.last()
	return Load{PacketsPerSecond: pps, Stress: pps / b.capacity()}
}

// sampleLoad measures the packet rate now and returns the load.
func (b *Bridge) sampleLoad(now time.Time) Load {
	c := &b.counters
	pps := b.stress.sample(now, c.packetsIn.Load()+c.forwarded.Load())
	return Load{PacketsPerSecond: pps, Stress: pps / b.capacity()}
}

func (b *Bridge) capacity() float64 {
	if b.cfg.CapacityPPS > 0 {
		return b.cfg.CapacityPPS
	}
	return DefaultCapacityPPS
}
