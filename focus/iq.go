package focus

import (
	"context"
	"fmt"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/stanza"
)

// iqTimeout bounds the wait for any IQ answer (Jicofo uses 15 s too).
const iqTimeout = 15 * time.Second

// tracker matches IQ answers to the requests waiting for them. Answers are
// delivered by the reader goroutine, so waiters may block on them from any
// other goroutine.
type tracker struct {
	mu      sync.Mutex
	pending map[string]chan *dom.Element
}

func newTracker() *tracker {
	return &tracker{pending: make(map[string]chan *dom.Element)}
}

// register prepares to receive the answer to the IQ with the given id.
func (t *tracker) register(id string) chan *dom.Element {
	ch := make(chan *dom.Element, 1)
	t.mu.Lock()
	t.pending[id] = ch
	t.mu.Unlock()
	return ch
}

func (t *tracker) forget(id string) {
	t.mu.Lock()
	delete(t.pending, id)
	t.mu.Unlock()
}

// resolve hands an answer to its waiter and reports whether one existed.
func (t *tracker) resolve(st *dom.Element) bool {
	id := st.Attr("id")
	t.mu.Lock()
	ch, ok := t.pending[id]
	delete(t.pending, id)
	t.mu.Unlock()
	if ok {
		ch <- st
	}
	return ok
}

// request sends iq and waits for its answer. An error answer is returned
// together with an error wrapping ErrIQError.
func (f *Focus) request(ctx context.Context, iq *dom.Element) (*dom.Element, error) {
	wait, err := f.start(ctx, iq)
	if err != nil {
		return nil, err
	}
	return wait()
}

// start sends iq now and returns a function that waits for its answer, so
// that the stanza order stays that of the caller while the wait may happen
// elsewhere. The returned function must be called exactly once.
func (f *Focus) start(ctx context.Context, iq *dom.Element) (func() (*dom.Element, error), error) {
	id := iq.Attr("id")
	ch := f.iqs.register(id)
	if err := f.conn.Send(ctx, iq); err != nil {
		f.iqs.forget(id)
		return nil, fmt.Errorf("focus: send iq: %w", err)
	}
	return func() (*dom.Element, error) {
		defer f.iqs.forget(id)
		timer := time.NewTimer(f.iqTimeout)
		defer timer.Stop()
		select {
		case ans := <-ch:
			if ans.Attr("type") == "error" {
				return ans, fmt.Errorf("%w: %s", ErrIQError, stanza.ErrorCondition(ans))
			}
			return ans, nil
		case <-timer.C:
			return nil, ErrTimeout
		case <-ctx.Done():
			return nil, fmt.Errorf("%w: %w", ErrClosed, ctx.Err())
		}
	}, nil
}

// send sends a stanza, logging (not returning) a failure: used for answers
// and notifications whose loss the protocol tolerates.
func (f *Focus) send(ctx context.Context, st *dom.Element) {
	if err := f.conn.Send(ctx, st); err != nil {
		f.log.Debug("send failed", "to", st.Attr("to"), "err", err)
	}
}
