package bridge

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// recordingChannel is a bridge channel that keeps what it was sent.
type recordingChannel struct {
	mu   sync.Mutex
	msgs []string
}

func (c *recordingChannel) send(m []byte) error {
	c.mu.Lock()
	c.msgs = append(c.msgs, string(m))
	c.mu.Unlock()
	return nil
}

func (c *recordingChannel) close() {}

func (c *recordingChannel) got() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]string(nil), c.msgs...)
}

func msgEndpoint() (*endpoint, *recordingChannel) {
	_, eps := testConference("a")
	e := eps["a"]
	e.msgQ = make(chan []byte, msgQueueLen)
	e.ctx, e.cancel = context.WithCancel(context.Background())
	e.msgs.onDemand = true
	ch := &recordingChannel{}
	e.channel = ch
	return e, ch
}

// TestMessageWriterOnDemand: the writer runs only while messages are
// queued, delivers them in order, and none starts once the endpoint closes.
func TestMessageWriterOnDemand(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	e, ch := msgEndpoint()
	defer e.cancel()
	tests := []struct {
		name  string
		burst int
	}{{"one", 1}, {"burst", 40}, {"again after idle", 3}}
	sent := 0
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for i := 0; i < tt.burst; i++ {
				e.sendMessage(fmt.Appendf(nil, "m%d", sent))
				sent++
			}
			e.wg.Wait() // the writer ends when the queue is empty
			got := ch.got()
			if len(got) != sent {
				t.Fatalf("delivered %d messages, want %d", len(got), sent)
			}
			for i, m := range got {
				if m != fmt.Sprintf("m%d", i) {
					t.Fatalf("message %d = %q: out of order", i, m)
				}
			}
			e.msgs.mu.Lock()
			running := e.msgs.running
			e.msgs.mu.Unlock()
			if running {
				t.Error("writer still marked running with an empty queue")
			}
		})
	}
	e.cancel()
	e.stopMessages()
	e.sendMessage([]byte("late"))
	e.wg.Wait()
	if len(e.msgQ) != 1 || len(ch.got()) != sent {
		t.Errorf("after close: queued %d, delivered %d; want the message left queued", len(e.msgQ), len(ch.got()))
	}
}

// TestMessageWriterConcurrentSenders: senders racing the writer's exit
// lose no message.
func TestMessageWriterConcurrentSenders(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	e, ch := msgEndpoint()
	defer e.cancel()
	const senders, each = 4, 200
	var wg sync.WaitGroup
	for s := 0; s < senders; s++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < each; i++ {
				e.sendMessage([]byte("x"))
				if i%16 == 0 {
					time.Sleep(50 * time.Microsecond) // let the queue run empty now and then
				}
			}
		}()
	}
	wg.Wait()
	e.wg.Wait()
	drops := e.b.counters.queueDrops.Load()
	if got := uint64(len(ch.got())) + drops; got != senders*each || len(e.msgQ) != 0 {
		t.Errorf("delivered %d + dropped %d of %d, %d left queued", len(ch.got()), drops, senders*each, len(e.msgQ))
	}
}
