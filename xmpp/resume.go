package xmpp

import (
	"context"
	"errors"
	"strconv"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// resume handles <resume previd h/> in place of bind: the new stream takes
// over the session, acknowledged stanzas are dropped and the rest resent.
func (c *c2s) resume(ctx context.Context, el *dom.Element) error {
	h, err := strconv.ParseUint(el.Attr("h"), 10, 32)
	if err != nil {
		return c.smFailed(ctx, "bad-request")
	}
	c.srv.mu.Lock()
	st := c.srv.resumable[el.Attr("previd")]
	c.srv.mu.Unlock()
	if st == nil || !st.mayResume(c.user, c.login.info) || !smAllowed(c.t) {
		return c.smFailed(ctx, "item-not-found")
	}
	old, ok := st.takeOver(c)
	if !ok {
		return c.smFailed(ctx, "item-not-found")
	}
	if old != nil {
		old.detach()
	}
	in, resend, ok := st.resumeAt(uint32(h))
	if !ok {
		c.srv.destroySM(st, false)
		return c.smFailed(ctx, "undefined-condition")
	}
	c.user, c.sess, c.sm = st.sess.jid.Bare(), st.sess, st
	c.bound.Store(true)
	c.srv.login.preAuth.remove(c.pre)
	c.log = c.log.With("jid", st.sess.jid.String())
	c.log.Info("session resumed", "resent", len(resend))
	r := dom.New(ns.SM, "resumed").SetAttr("previd", st.id).SetAttr("h", strconv.FormatUint(uint64(in), 10))
	for _, e := range append([]*dom.Element{r}, resend...) {
		if err := c.t.WriteElement(ctx, e); err != nil {
			break // the writer ends too; the session hibernates again
		}
	}
	c.startWriter()
	return nil
}

// takeOver makes c the serving stream and returns the previous one, if it
// is still connected; false when the session is gone.
func (st *smState) takeOver(c *c2s) (*c2s, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.dead {
		return nil, false
	}
	old := st.owner
	if old == nil && st.wake != nil {
		close(st.wake)
		st.wake = nil
	}
	st.owner = c
	return old, true
}

// resumeAt applies the client's count h and returns the server's count and
// the stanzas to resend; false when h is out of range.
func (st *smState) resumeAt(h uint32) (uint32, []*dom.Element, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	acked := st.out - uint32(len(st.unacked))
	n := h - acked
	if n > uint32(len(st.unacked)) {
		return 0, nil, false
	}
	clear(st.unacked[:n])
	st.unacked = st.unacked[n:]
	st.requested = false
	return st.in, append([]*dom.Element(nil), st.unacked...), true
}

// forgetResumption makes the session unresumable: the client closed the
// stream on purpose.
func (c *c2s) forgetResumption() {
	if c.sm == nil || c.sm.id == "" {
		return
	}
	c.srv.mu.Lock()
	delete(c.srv.resumable, c.sm.id)
	c.srv.mu.Unlock()
}

// detach ends a stream whose session another stream took over.
func (c *c2s) detach() {
	c.fail("")
	c.stopWriter()
}

// release hands the session on when the stream ended: to hibernation when
// it is resumable and the connection merely dropped, else it is destroyed.
// A session another stream took over is left alone.
func (c *c2s) release(cond string, err error) {
	st := c.sm
	if st == nil {
		c.srv.destroySession(c.sess)
		return
	}
	st.mu.Lock()
	if st.owner != c {
		st.mu.Unlock()
		return
	}
	st.owner = nil
	dropped := st.id != "" && cond == "" && !errors.Is(err, errPeerClosed) && c.srv.ctx.Err() == nil
	if dropped {
		st.wake = make(chan struct{})
		wake := st.wake
		st.mu.Unlock()
		c.log.Info("session hibernating", "timeout", c.srv.cfg.ResumeTimeout)
		c.srv.hibernate(st, wake)
		return
	}
	st.mu.Unlock()
	c.srv.destroySM(st, false)
}

// hibernate keeps st for ResumeTimeout, then destroys it unless a stream
// resumed it.
func (s *Server) hibernate(st *smState, wake chan struct{}) {
	if !s.begin() {
		s.destroySM(st, false)
		return
	}
	go func() {
		defer s.wg.Done()
		t := time.NewTimer(s.cfg.ResumeTimeout)
		defer t.Stop()
		select {
		case <-wake:
			return
		case <-t.C:
		case <-st.sess.q.done:
		case <-s.ctx.Done():
		}
		s.destroySM(st, true)
	}()
}

// destroySM ends a stream-managed session. With onlyIdle it does so only
// while no stream serves it (hibernation expiry racing a resumption).
func (s *Server) destroySM(st *smState, onlyIdle bool) {
	if !st.kill(onlyIdle) {
		return
	}
	if st.id != "" {
		s.mu.Lock()
		delete(s.resumable, st.id)
		s.mu.Unlock()
	}
	s.destroySession(st.sess)
}

// kill marks st dead once; false when it already was or, with onlyIdle,
// when a stream serves it.
func (st *smState) kill(onlyIdle bool) bool {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.dead || (onlyIdle && st.owner != nil) {
		return false
	}
	st.dead = true
	return true
}

// destroySession removes a session from the router and its rooms.
func (s *Server) destroySession(sess *session) {
	s.router.remove(sess)
	s.leaveAll(sess.jid)
	sess.q.close("")
}
