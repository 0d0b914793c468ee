package xmpp

import (
	"context"
	"io"
	"net/url"
	"slices"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// BOSH limits (XEP-0124; Prosody's defaults).
const (
	boshMaxWait  = 60 * time.Second // longest a request is held
	boshHold     = 1                // requests held at once
	boshRequests = boshHold + 1     // requests the client may have open
	boshPolling  = 5                // shortest polling interval, seconds
	boshMaxOut   = 1024             // elements buffered for the client
)

// boshTransport is one BOSH session (XEP-0124/0206) seen as a Transport:
// the elements of request bodies are read in rid order, and written
// elements are answered on the newest held request. Session restarts and
// terminate requests are turned into the framing open and close elements.
type boshTransport struct {
	sid        string
	wait       time.Duration
	inactivity time.Duration
	query      url.Values
	onClose    func()

	mu       sync.Mutex
	inbox    []*dom.Element // from the client, not yet read
	out      []*dom.Element // for the client, not yet sent
	errEl    *dom.Element   // stream error to send with the terminate body
	rid      uint64         // last request processed
	lastRID  uint64         // rid whose response is cached in lastResp
	lastResp []byte
	held     []uint64 // rids of requests waiting for output, oldest first
	closed   bool
	changed  chan struct{} // closed and replaced on every change
	idle     *time.Timer
}

func newBOSHTransport(sid string, rid uint64, wait, inactivity time.Duration, q url.Values, onClose func()) *boshTransport {
	t := &boshTransport{sid: sid, rid: rid, wait: wait, inactivity: inactivity, query: q,
		onClose: onClose, changed: make(chan struct{})}
	t.idle = time.AfterFunc(inactivity, func() { _ = t.Close() })
	t.idle.Stop()
	return t
}

// noStreamManagement: XEP-0198 is not offered over BOSH.
func (t *boshTransport) noStreamManagement() {}

// Query returns the query parameters of the session creation request
// (room, token).
func (t *boshTransport) Query() url.Values { return t.query }

// notify wakes every waiter. The caller holds mu.
func (t *boshTransport) notify() {
	close(t.changed)
	t.changed = make(chan struct{})
}

// ReadElement returns the next element the client sent.
func (t *boshTransport) ReadElement(ctx context.Context) (*dom.Element, error) {
	for {
		t.mu.Lock()
		if len(t.inbox) > 0 {
			e := t.inbox[0]
			t.inbox[0] = nil
			t.inbox = t.inbox[1:]
			t.mu.Unlock()
			return e, nil
		}
		if t.closed {
			t.mu.Unlock()
			return nil, io.EOF
		}
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
}

// WriteElement queues e for the next response. The stream header is not
// sent (the session attributes replace it); a stream error is sent with
// the terminate body. It waits while the client lets output pile up.
func (t *boshTransport) WriteElement(ctx context.Context, e *dom.Element) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	for len(t.out) >= boshMaxOut && !t.closed {
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			t.mu.Lock()
			return ctx.Err()
		}
		t.mu.Lock()
	}
	switch {
	case t.closed:
		return ErrClosed
	case e.Is(ns.Framing, "open"), e.Is(ns.Framing, "close"):
		return nil
	case e.Is(ns.Streams, "error"):
		t.errEl = e
	default:
		t.out = append(t.out, e)
	}
	t.notify()
	return nil
}

// Close terminates the session; held requests get the terminate body.
func (t *boshTransport) Close() error {
	t.mu.Lock()
	if t.closed {
		t.mu.Unlock()
		return nil
	}
	t.closed = true
	t.idle.Stop()
	t.notify()
	t.mu.Unlock()
	t.onClose()
	return nil
}

// deliver queues the elements of an accepted request for the reader. The
// caller holds mu.
func (t *boshTransport) deliver(b *boshBody) {
	if b.restart() || b.attr("sid") == "" {
		open := dom.New(ns.Framing, "open").SetAttr("to", b.attr("to")).SetAttr("version", "1.0")
		if v := b.attr(ns.XBOSH + " version"); v != "" {
			open.SetAttr("version", v)
		}
		t.inbox = append(t.inbox, open)
	}
	t.inbox = append(t.inbox, b.children...)
	if b.attr("type") == "terminate" {
		t.inbox = append(t.inbox, dom.New(ns.Framing, "close"))
	}
	t.notify()
}

// boshResult is what a held request answers with.
type boshResult struct {
	els       []*dom.Element
	terminate bool
	cond      string // terminal condition, with terminate
}

// await holds request rid until there is output for it, a newer request
// releases it, the wait time passes or the session ends.
func (t *boshTransport) await(ctx context.Context, rid uint64) boshResult {
	timer := time.NewTimer(t.wait)
	defer timer.Stop()
	for {
		t.mu.Lock()
		if r, done := t.ready(rid); done {
			t.mu.Unlock()
			return r
		}
		ch := t.changed
		t.mu.Unlock()
		select {
		case <-ch:
		case <-timer.C:
			return boshResult{}
		case <-ctx.Done():
			return boshResult{}
		}
	}
}

// ready decides whether request rid can be answered now. The caller holds
// mu.
func (t *boshTransport) ready(rid uint64) (boshResult, bool) {
	switch {
	case t.closed:
		r := boshResult{els: t.out, terminate: true}
		if t.errEl != nil {
			r.els, r.cond = append(r.els, t.errEl), "remote-stream-error"
			t.errEl = nil
		}
		t.out = nil
		return r, true
	case len(t.out) > 0 && len(t.held) > 0 && t.held[len(t.held)-1] == rid:
		r := boshResult{els: t.out}
		t.out = nil
		t.notify() // a writer may wait for room
		return r, true
	case len(t.held) > boshHold && t.held[0] == rid:
		return boshResult{}, true
	}
	return boshResult{}, false
}

// release forgets held request rid and caches its response for a
// retransmission; the inactivity clock starts when nothing is held.
func (t *boshTransport) release(rid uint64, resp []byte) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.held = slices.DeleteFunc(t.held, func(r uint64) bool { return r == rid })
	if rid >= t.lastRID {
		t.lastRID, t.lastResp = rid, resp
	}
	if len(t.held) == 0 && !t.closed {
		t.idle.Reset(t.inactivity)
	}
	t.notify()
}
