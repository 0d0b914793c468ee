package bridge

import (
	"sync"
	"testing"
	"time"

	"github.com/pion/rtp"
	"go.uber.org/goleak"
)

// TestControlCoalesces: many wake-ups from many goroutines cause few
// reallocations, and the last change is always taken into account.
func TestControlCoalesces(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	c, eps := testConference("a", "b")
	giveVideo(c, eps["a"], 3)
	c.start()
	defer c.expire()
	const goroutines, kicks = 4, 5000
	var wg sync.WaitGroup
	for range goroutines {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range kicks {
				c.reallocate()
			}
		}()
	}
	wg.Wait()
	c.setPrefs(eps["b"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	src := eps["a"].ingress.Load().video[0]
	eventually(t, "the last change allocated", func() bool { return eps["b"].down.alloc.Load().target(src.primary).enc == 2 })
	if runs := c.ctl.runs.Load(); runs == 0 || runs >= goroutines*kicks/2 {
		t.Fatalf("%d reallocations for %d wake-ups", runs, goroutines*kicks)
	}
	t.Logf("%d reallocations for %d wake-ups", c.ctl.runs.Load(), goroutines*kicks)
}

// TestReadersDoNotDecide: a sender's audio levels only move atomics; the
// dominant speaker changes when the control goroutine's pass runs.
func TestReadersDoNotDecide(t *testing.T) {
	c, eps := testConference("a", "b")
	giveVideo(c, eps["a"], 1)
	tbl := *eps["a"].ingress.Load()
	tbl.levelExt = 1
	eps["a"].ingress.Store(&tbl)
	runs := c.ctl.runs.Load()
	now := time.Now()
	for i := range 100 {
		pkt := levelPacket(t, 11, 20)
		eps["a"].forward(pkt, tbl.ssrcs[11], now.Add(time.Duration(i)*20*time.Millisecond))
	}
	if len(c.speakers) != 0 || c.ctl.runs.Load() != runs {
		t.Fatalf("the reader decided: speakers %v, %d reallocations", c.speakers, c.ctl.runs.Load()-runs)
	}
	c.step(now.Add(2 * time.Second))
	if len(c.speakers) != 1 || c.speakers[0] != "a" {
		t.Fatalf("speakers after the control pass: %v", c.speakers)
	}
}

// levelPacket is an audio packet with an ssrc-audio-level extension (id 1).
func levelPacket(t *testing.T, ssrc uint32, level uint8) []byte {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: 111, SSRC: ssrc}
	must(t, h.SetExtension(1, []byte{level}))
	b, err := (&rtp.Packet{Header: h, Payload: []byte{1}}).Marshal()
	must(t, err)
	return b
}
