package focus

import (
	"context"
	"sync"
	"time"

	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Health checks of the bridges, as Jicofo runs them: every interval the
// focus sends each bridge in the brewery a health-check IQ; a bridge that
// fails healthFailures checks in a row (no answer within healthTimeout, or
// an error) is taken as gone, and its conferences move (bridgeGone), even
// when its brewery presence is still there — a bridge whose network was
// cut stays in the MUC until the server notices (docs/scale-out.md#failover).
const (
	defaultHealthInterval = 10 * time.Second
	healthTimeout         = 5 * time.Second
	healthFailures        = 2
)

// healthLoop checks the bridges every interval until ctx ends.
func (f *Focus) healthLoop(ctx context.Context, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f.checkBridges(ctx, interval)
		}
	}
}

// checkBridges health-checks every known bridge at once and moves the
// conferences off those that failed too often.
func (f *Focus) checkBridges(ctx context.Context, interval time.Duration) {
	var wg sync.WaitGroup
	for _, jid := range f.bridges.list() {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ok := f.healthCheck(ctx, jid, min(healthTimeout, interval))
			if ctx.Err() != nil {
				return
			}
			switch f.bridges.checked(jid, ok) {
			case breweryGone:
				f.log.Warn("bridge failed its health checks", "bridge", resourceOf(jid))
				f.forEachRoom(ctx, func(r *room) { r.bridgeGone(ctx, jid) })
			case breweryAppeared:
				f.forEachRoom(ctx, func(r *room) { r.retryInvites(ctx) })
			}
		}()
	}
	wg.Wait()
}

// healthCheck sends one health-check IQ and reports whether a result came
// within limit (healthTimeout, or the interval when that is shorter).
func (f *Focus) healthCheck(ctx context.Context, jid string, limit time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	iq := stanza.IQ("get", jid)
	iq.AddNew(ns.Healthcheck, "healthcheck")
	_, err := f.request(ctx, iq)
	return err == nil
}
