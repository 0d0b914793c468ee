package bridge

import (
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/stun/v4"
)

// pathStale is how long the selected candidate pair may stay silent before
// an authenticated check from the client on another pair moves the
// endpoint there. A live client sends media and consent checks many times
// a second and at least every 2.5 s (Chrome's stable ping interval);
// Chrome itself calls a connection weak after 2.5 s without data.
const pathStale = 3 * time.Second

// pathFollower lets the bridge (the controlling agent) follow a client
// whose path changed mid-call (docs/networks.md "When a client's network
// changes"): RFC 8445 nominates once, so without it the bridge kept
// sending to the dead pair until the client gave up on ICE (about 30 s)
// and asked for a new session. The client's agent switches by itself to
// another pair that answers; when its checks arrive on such a pair while
// the selected one is silent, the bridge selects that pair too.
type pathFollower struct {
	log      *slog.Logger
	selected atomic.Pointer[pathPair]
	switches atomic.Uint64
}

// pathPair is the selected pair's two candidates.
type pathPair struct{ local, remote ice.Candidate }

// onSelected records the agent's selected pair.
func (f *pathFollower) onSelected(local, remote ice.Candidate) {
	if local != nil && remote != nil {
		f.selected.Store(&pathPair{local: local, remote: remote})
	}
}

// onBindingRequest is the agent's binding request handler (called under
// the agent's lock, for requests that passed MESSAGE-INTEGRITY on a known
// pair): true makes pair the selected pair.
func (f *pathFollower) onBindingRequest(_ *stun.Message, local, remote ice.Candidate, pair *ice.CandidatePair) bool {
	cur := f.selected.Load()
	if cur == nil || pair == nil || (local.Equal(cur.local) && remote.Equal(cur.remote)) {
		return false
	}
	// The UDP sink follows a UDP remote address; an ICE-TCP endpoint
	// writes through the ICE conn. Switch within the same kind only.
	if local.NetworkType().IsTCP() != cur.local.NetworkType().IsTCP() {
		return false
	}
	silent := time.Since(cur.remote.LastReceived())
	if silent < pathStale {
		return false
	}
	f.switches.Add(1)
	f.log.Info("client path changed, following it", "silent_ms", silent.Milliseconds(),
		"from_type", cur.remote.Type().String(), "to_type", remote.Type().String(),
		"to_protocol", remote.NetworkType().NetworkShort())
	f.selected.Store(&pathPair{local: local, remote: remote})
	return true
}
