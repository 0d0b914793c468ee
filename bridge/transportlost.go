package bridge

import (
	"sync"
	"time"

	"github.com/pion/ice/v4"
)

// transportLostAfter is how long the bridge waits, once its ICE agent
// calls an endpoint's selected pair disconnected (pion: 5 s without a
// packet from the client), before it reports the transport lost: 2 s more,
// so a client that moves to another pair (pathswitch.go, at 3 s) or whose
// network only hiccups is left alone. docs/networks.md "When a client's
// network changes".
const transportLostAfter = 2 * time.Second

// TransportLostFunc is told (once per endpoint, on its own goroutine) that
// an endpoint whose media had started has heard nothing from its client
// for about 7 s and the client moved to no other candidate pair; room is
// the conference's room JID. The focus may offer the participant a new
// session. It must not block.
type TransportLostFunc func(room, meetingID, endpointID string)

// SetTransportLost sets who is told about lost client transports (nil:
// nobody).
func (b *Bridge) SetTransportLost(fn TransportLostFunc) {
	b.transportLost.Store(&fn)
}

// lostWatch reports an endpoint's transport lost at most once.
type lostWatch struct {
	mu    sync.Mutex
	timer *time.Timer
	fired bool
}

// watchTransport follows the agent's connection state: disconnected or
// failed for transportLostAfter after media had started → the bridge's
// TransportLostFunc.
func (e *endpoint) watchTransport(s ice.ConnectionState) {
	fn := e.b.transportLost.Load()
	if fn == nil || *fn == nil {
		return
	}
	report := *fn
	w := &e.lost
	w.mu.Lock()
	defer w.mu.Unlock()
	switch s {
	case ice.ConnectionStateDisconnected, ice.ConnectionStateFailed:
		if w.timer != nil || w.fired || !e.srtpReady.Load() {
			return
		}
		var t *time.Timer
		t = time.AfterFunc(transportLostAfter, func() {
			w.mu.Lock()
			if w.timer != t || ctxDone(e.ctx) {
				w.mu.Unlock()
				return
			}
			w.timer, w.fired = nil, true
			w.mu.Unlock()
			e.log.Info("client transport lost, asking the focus for a new session")
			report(e.conf.name, e.conf.meetingID, e.id)
		})
		w.timer = t
	case ice.ConnectionStateConnected:
		if w.timer != nil {
			w.timer.Stop()
			w.timer = nil
		}
	}
}
