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

// drainPoll is how often the drain looks whether every participant left.
const drainPoll = 100 * time.Millisecond

// drainTime is [ops] shutdown_timeout as a duration.
func drainTime(cfg *conf.Config) time.Duration {
	return time.Duration(cfg.Ops.ShutdownTimeout) * time.Second
}

// drainable is what the drain needs: the focus, which refuses new
// conferences once drained, and the participants still in conferences
// (sessions waiting to be resumed included).
type drainable interface {
	Drain()
	Participants() int
}

// drainTarget is the drainable of the wired parts.
type drainTarget struct {
	fc           *focus.Focus
	participants func() int
}

func (d drainTarget) Drain()            { d.fc.Drain() }
func (d drainTarget) Participants() int { return d.participants() }

// drain is the first step of a graceful stop: the focus refuses new
// conferences while the running ones go on, until nobody is left in them
// (rooms the focus holds empty end with the rest), bound passes, hurry
// closes (a second signal) or a part stops (its error is returned).
func drain(log *slog.Logger, d drainable, bound time.Duration, hurry <-chan struct{}, stopped <-chan error) error {
	d.Drain()
	n := d.Participants()
	if n == 0 || bound <= 0 {
		return nil
	}
	log.Info("meetd: draining: new conferences are refused, running ones go on", "participants", n, "bound", bound)
	timer := time.NewTimer(bound)
	defer timer.Stop()
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for {
		select {
		case <-tick.C:
			if d.Participants() == 0 {
				log.Info("meetd: drained: every participant left")
				return nil
			}
		case <-timer.C:
			log.Info("meetd: drain bound reached, ending the conferences", "participants", d.Participants())
			return nil
		case <-hurry:
			log.Info("meetd: second signal, ending the conferences now", "participants", d.Participants())
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
