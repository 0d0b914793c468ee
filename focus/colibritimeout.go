package focus

import (
	"context"
	"time"
)

// colibriFaultFor is how long a bridge that let a Colibri2 request time out
// gets no conference, however well it answers health checks — Jicofo's
// "non-operational" bridge, kept out for its failure-reset threshold (one
// minute). A bridge that answers health checks but not Colibri2 is broken
// where it matters (docs/scale-out.md#failover).
const colibriFaultFor = time.Minute

// colibriTimedOut takes a bridge whose Colibri2 request got no answer out
// of selection for colibriFaultFor and moves the conferences on it, as
// when it leaves the brewery (bridgeGone). A bridge already faulted or
// gone is left alone.
func (f *Focus) colibriTimedOut(ctx context.Context, bridge string) {
	if bridge == "" || f.bridges.faulted(bridge, time.Now().Add(f.colibriFaultFor)) != breweryGone {
		return
	}
	f.log.Warn("bridge did not answer a Colibri2 request: moving its conferences", "bridge", resourceOf(bridge),
		"excluded_for", f.colibriFaultFor)
	f.forEachRoom(ctx, func(r *room) { r.bridgeGone(ctx, bridge) })
}

// leaveFaultedBridge moves the room off its bridge if that bridge timed out
// meanwhile (for another room, or for an event queued before the move),
// so that no further allocation waits for it.
func (r *room) leaveFaultedBridge(ctx context.Context) {
	if r.conf.bridge != "" && r.f.bridges.isFaulted(r.conf.bridge) {
		r.bridgeGone(ctx, r.conf.bridge)
	}
}

// isFaulted reports whether the bridge is excluded after a Colibri2 timeout.
func (b *brewery) isFaulted(jid string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	bi := b.bridges[jid]
	return bi != nil && time.Now().Before(bi.faultedUntil)
}

// faulted marks the bridge unusable until then and says whether that made
// it go (it was usable).
func (b *brewery) faulted(jid string, until time.Time) breweryChange {
	b.mu.Lock()
	defer b.mu.Unlock()
	bi := b.bridges[jid]
	if bi == nil {
		return breweryNothing
	}
	was := bi.usable()
	bi.faultedUntil = until
	if was {
		return breweryGone
	}
	return breweryNothing
}
