package xmpp

import (
	"context"
	"io"
	"sync"

	"meetd/xmpp/dom"
)

// queue is a session's outbound stanza queue. push never blocks: a bounded
// queue refuses stanzas when full, and the owner then ends the session.
type queue struct {
	mu     sync.Mutex
	items  []*dom.Element
	max    int // 0 = unbounded
	reason string
	closed bool
	ready  chan struct{}
	done   chan struct{}
}

func newQueue(max int) *queue {
	return &queue{max: max, ready: make(chan struct{}, 1), done: make(chan struct{})}
}

// push appends e and reports false if the queue is full. A closed queue
// drops e silently.
func (q *queue) push(e *dom.Element) bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return true
	}
	if q.max > 0 && len(q.items) >= q.max {
		return false
	}
	q.items = append(q.items, e)
	select {
	case q.ready <- struct{}{}:
	default:
	}
	return true
}

// pop returns the next element, waiting for one; io.EOF once closed.
func (q *queue) pop(ctx context.Context) (*dom.Element, error) {
	for {
		q.mu.Lock()
		if q.closed {
			q.mu.Unlock()
			return nil, io.EOF
		}
		if len(q.items) > 0 {
			e := q.items[0]
			q.items[0] = nil
			q.items = q.items[1:]
			q.mu.Unlock()
			return e, nil
		}
		q.mu.Unlock()
		select {
		case <-q.ready:
		case <-q.done:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// close ends the queue; reason, if set, is the stream error condition the
// owner should end its stream with. Only the first reason is kept.
func (q *queue) close(reason string) {
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.closed {
		return
	}
	q.closed, q.reason, q.items = true, reason, nil
	close(q.done)
}

func (q *queue) closeReason() string {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.reason
}
