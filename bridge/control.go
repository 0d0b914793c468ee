package bridge

import (
	"sync/atomic"
	"time"
)

// The control goroutine (docs/bridge.md, "Control"): allocation and the
// dominant-speaker decision run on one goroutine per conference. Media
// readers only publish atomics (audio levels, learned heights, the
// bandwidth estimate) and wake it through a coalescing signal: any number
// of wake-ups while it works make one more pass.
type control struct {
	dirty atomic.Bool   // something allocation depends on changed
	wake  chan struct{} // capacity 1: the coalescing signal
	stop  chan struct{}
	done  chan struct{} // closed when the goroutine ended; nil if never started
	runs  atomic.Int64  // reallocations made (for tests and debugging)
}

func newControl() control {
	return control{wake: make(chan struct{}, 1), stop: make(chan struct{})}
}

// reallocate asks the control goroutine to recompute every receiver's
// allocation; it never blocks.
func (c *conference) reallocate() {
	c.ctl.dirty.Store(true)
	select {
	case c.ctl.wake <- struct{}{}:
	default: // a wake-up is pending: it will see dirty
	}
}

// start runs the control goroutine until stopControl.
func (c *conference) start() {
	c.ctl.done = make(chan struct{})
	go c.runControl(c.ctl.done)
}

// stopControl ends the control goroutine and waits for it.
func (c *conference) stopControl() {
	c.stopOnce.Do(func() { close(c.ctl.stop) })
	if c.ctl.done != nil {
		<-c.ctl.done
	}
}

func (c *conference) runControl(done chan struct{}) {
	defer close(done)
	tick := time.NewTicker(speakerInterval)
	defer tick.Stop()
	for {
		select {
		case <-c.ctl.stop:
			return
		case <-c.ctl.wake:
		case <-tick.C:
		}
		c.step(time.Now())
	}
}

// step is one pass of the control goroutine: the speaker decision when
// due, then a reallocation when anything asked for one (tests call it
// directly on conferences without the goroutine).
func (c *conference) step(now time.Time) {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	changed := c.decideSpeakerLocked(now)
	c.applyConstraintsLocked()
	if c.ctl.dirty.Swap(false) || changed {
		c.ctl.runs.Add(1)
		c.reallocateLocked()
	}
}

// applyConstraintsLocked takes over attached receivers' new constraints.
func (c *conference) applyConstraintsLocked() {
	for _, r := range c.receivers() {
		if cs := r.pending.Swap(nil); cs != nil {
			r.prefs, r.only = constraintPrefs(*cs)
			c.ctl.dirty.Store(true)
		}
	}
}
