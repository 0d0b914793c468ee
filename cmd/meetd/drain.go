package main

import (
	"context"
	"log/slog"
	"time"

	"meetd/conf"
	"meetd/focus"
)

// shutdownReason is what clients are shown when meetd ends their call
// (the reason of the room's destruction and of the Jingle terminate).
const shutdownReason = "The meeting server is shutting down. Please join again in a few minutes."

// drainPoll is how often the drain looks whether every conference ended.
const drainPoll = 100 * time.Millisecond

// drainTime is [ops] shutdown_timeout as a duration.
func drainTime(cfg *conf.Config) time.Duration {
	return time.Duration(cfg.Ops.ShutdownTimeout) * time.Second
}

// conferences is what the drain needs of the focus.
type conferences interface {
	Drain()
	Conferences() int
}

// drain is the first step of a graceful stop: the focus refuses new
// conferences while the running ones go on, until none is left, bound
// passes, hurry closes (a second signal) or a part stops (its error is
// returned).
func drain(log *slog.Logger, fc conferences, bound time.Duration, hurry <-chan struct{}, stopped <-chan error) error {
	fc.Drain()
	n := fc.Conferences()
	if n == 0 || bound <= 0 {
		return nil
	}
	log.Info("meetd: draining: new conferences are refused, running ones go on", "conferences", n, "bound", bound)
	timer := time.NewTimer(bound)
	defer timer.Stop()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if fc.Conferences() == 0 {
				log.Info("meetd: drained: every conference ended")
				return nil
			}
		case <-timer.C:
			log.Info("meetd: drain bound reached, ending the conferences", "conferences", fc.Conferences())
			return nil
		case <-hurry:
			log.Info("meetd: second signal, ending the conferences now", "conferences", fc.Conferences())
			return nil
		case err := <-stopped:
			log.Error("meetd: a part stopped while draining", "err", err)
			return err
		}
	}
}

// endCalls ends the conferences that are left (session-terminate, room
// destroyed with shutdownReason) within ctx.
func endCalls(ctx context.Context, log *slog.Logger, fc *focus.Focus) {
	n := fc.Conferences()
	if n == 0 {
		return
	}
	if err := fc.EndAll(ctx, shutdownReason); err != nil {
		log.Warn("meetd: ending the conferences", "err", err, "left", fc.Conferences())
		return
	}
	log.Info("meetd: conferences ended", "count", n)
}
