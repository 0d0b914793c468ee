package bridge

import (
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
)

// Inactive conferences (docs/reliability.md F4). The bridge frees an endpoint
// only when a focus expires it. When the focus goes away for good — meetd
// restarted while this bridge ran on as its own process — its clients
// rejoin into new conferences and nobody expires the old ones: they would
// hold their memory and keep a graceful drain waiting until its timeout.
// So, as JVB expires inactive conferences, the bridge removes a conference
// none of whose endpoints has had a connected ICE pair for inactiveExpiry
// (since it was created, or since consent expired). A conference with one
// live endpoint is left to the focus, which expires endpoints itself.

// inactiveExpiry is how long every endpoint of a conference must have been
// without a connected pair before the bridge removes the conference: well
// past consent expiry (30 s) plus the client's and the focus's own restart
// of a lost session (docs/networks.md), so it never races them.
const inactiveExpiry = 90 * time.Second

// activity records whether an endpoint's ICE pair is connected and, if
// not, since when (monotonic, clock.go).
type activity struct {
	connected atomic.Bool
	since     atomic.Int64
}

func (a *activity) start(now time.Time) { a.since.Store(monoNanos(now)) }

// note follows the agent's state. Disconnected counts as connected: the
// pair may come back, and the agent reports failed when it does not.
func (a *activity) note(s ice.ConnectionState, now time.Time) {
	switch s {
	case ice.ConnectionStateConnected:
		a.connected.Store(true)
	case ice.ConnectionStateFailed, ice.ConnectionStateClosed:
		if a.connected.Swap(false) {
			a.since.Store(monoNanos(now))
		}
	}
}

// inactiveFor is how long the endpoint has been without a connected pair.
func (a *activity) inactiveFor(now time.Time) time.Duration {
	if a.connected.Load() {
		return 0
	}
	return time.Duration(monoNanos(now) - a.since.Load())
}

// inactive reports whether the conference has endpoints and none has had a
// connected pair for after, and no receiver (a recording) is attached.
func (c *conference) inactive(now time.Time, after time.Duration) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.endpoints) == 0 || len(c.attached) > 0 {
		return false
	}
	for _, e := range c.endpoints {
		if e.act.inactiveFor(now) < after {
			return false
		}
	}
	return true
}

// expireInactive removes the conferences that are inactive at now.
func (b *Bridge) expireInactive(now time.Time) {
	after := time.Duration(b.inactiveAfter.Load())
	if after <= 0 {
		after = inactiveExpiry
	}
	b.mu.Lock()
	var gone []*conference
	for _, c := range b.confs {
		if c.inactive(now, after) {
			gone = append(gone, c)
		}
	}
	b.mu.Unlock()
	for _, c := range gone {
		c.log.Info("conference expired: no endpoint connected", "after", after.String())
		b.removeConference(c)
	}
}
