package xmpp

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// writeTimeout bounds the final writes when a stream is being torn down.
const writeTimeout = 10 * time.Second

// c2s is one client stream on any Transport: negotiation (SASL ANONYMOUS,
// bind), then stanzas into the router and from its queue back out.
type c2s struct {
	srv *Server
	t   Transport
	log *slog.Logger
	id  string
	// remote is the peer address (host:port) the stream came from.
	remote string

	opened bool    // an <open/> was answered since the last restart
	user   jid.JID // bare JID after SASL; zero before
	sess   *session
	sm     *smState       // set by <enable/> or <resume/>; nil without XEP-0198
	bound  atomic.Bool    // sess is set; read by the pre-auth timer
	pre    *preAuthStream // registration in the server's pre-auth bound

	wctx    context.Context // ends the writer without closing the queue
	wcancel context.CancelFunc

	failOnce sync.Once
	writerWG sync.WaitGroup

	login loginState // SASL progress and result (auth.go)
}

// serveStream runs a client stream until it ends. The caller has called
// s.begin.
func (s *Server) serveStream(t Transport, remote string) {
	defer s.wg.Done()
	c := &c2s{srv: s, t: t, id: randomID(8), remote: remote}
	c.wctx, c.wcancel = context.WithCancel(context.Background())
	c.log = s.log.With("stream", c.id)
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		_ = t.Close()
		return
	}
	s.conns[c] = struct{}{}
	s.mu.Unlock()
	c.log.Debug("stream started", "remote", remote)
	timer := time.AfterFunc(s.cfg.PreAuthTimeout, func() {
		if !c.bound.Load() {
			c.fail(condConnectionTimeout)
		}
	})
	c.pre = s.login.preAuth.add(ipKey(infoOf(t).ip), func() {
		if !c.bound.Load() {
			c.fail(condResourceConstraint)
		}
	})
	err := c.readLoop(s.ctx)
	timer.Stop()
	s.login.preAuth.remove(c.pre)
	c.end(err)
}

func (c *c2s) readLoop(ctx context.Context) error {
	for {
		el, err := c.t.ReadElement(ctx)
		if err != nil {
			return err
		}
		if err := c.handle(ctx, el); err != nil {
			return err
		}
	}
}

// end tears the stream down after the read loop stopped.
func (c *c2s) end(err error) {
	cond := conditionOf(err)
	if cond == "" && c.srv.ctx.Err() != nil {
		cond = condSystemShutdown // the read ended because the server closes
	}
	if cond != "" {
		c.log.Info("stream error", "condition", cond, "err", err)
	}
	c.fail(cond)
	c.stopWriter()
	if c.sess != nil {
		c.release(cond, err)
	}
	c.srv.mu.Lock()
	delete(c.srv.conns, c)
	c.srv.mu.Unlock()
	c.log.Debug("stream ended")
}

// fail ends the stream once: the stream error (if cond is set), the close
// element, then the connection. Safe from any goroutine.
func (c *c2s) fail(cond string) {
	c.failOnce.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		if cond != "" {
			_ = c.t.WriteElement(ctx, streamErrorElement(cond))
		}
		_ = c.t.WriteElement(ctx, dom.New(ns.Framing, "close"))
		_ = c.t.Close()
	})
}

// handle processes one top-level element according to the stream state.
func (c *c2s) handle(ctx context.Context, el *dom.Element) error {
	switch {
	case el.Is(ns.Framing, "open"):
		return c.open(ctx, el)
	case el.Is(ns.Framing, "close"):
		c.forgetResumption()
		return errPeerClosed
	case !c.opened:
		return &streamError{cond: condNotAuthorized, text: "no open"}
	case c.tlsPending():
		return c.negotiateTLS(ctx, el)
	case c.user.Domainpart() == "":
		return c.authenticate(ctx, el)
	case c.sess == nil && el.Is(ns.SM, "resume"):
		return c.resume(ctx, el)
	case c.sess == nil:
		return c.bind(ctx, el)
	}
	return c.stanza(ctx, el)
}

// open answers a stream open (initial or after SASL) with its features.
func (c *c2s) open(ctx context.Context, el *dom.Element) error {
	if !c.setHost(el.Attr("to")) {
		return &streamError{cond: condHostUnknown}
	}
	if el.Attr("version") != "1.0" {
		return &streamError{cond: condUnsupportedVersion}
	}
	if c.sess != nil {
		return &streamError{cond: condPolicyViolation, text: "restart after bind"}
	}
	c.opened = true
	hdr := dom.New(ns.Framing, "open").SetAttr("from", c.login.host).
		SetAttr("id", randomID(16)).SetAttr("version", "1.0").SetAttr("xml:lang", "en")
	if err := c.t.WriteElement(ctx, hdr); err != nil {
		return err
	}
	if c.tlsPending() {
		return c.t.WriteElement(ctx, startTLSFeatures())
	}
	feat := dom.New(ns.Streams, "features")
	if c.user.Domainpart() == "" {
		c.addMechanisms(feat)
	} else {
		feat.AddNew(ns.Bind, "bind")
		c.addSMFeature(feat)
	}
	return c.t.WriteElement(ctx, feat)
}

// stanza stamps and routes one client stanza after bind.
func (c *c2s) stanza(ctx context.Context, el *dom.Element) error {
	if err := c.throttle(ctx, el); err != nil {
		return err
	}
	switch {
	case el.Space == ns.SM:
		return c.streamManagement(ctx, el)
	case el.Space != ns.Client:
		return &streamError{cond: condInvalidNamespace, text: el.Space}
	case !isStanza(el.Local):
		return &streamError{cond: condUnsupportedStanzaType, text: el.Local}
	}
	if c.sm != nil {
		c.sm.received(true)
	}
	el.SetAttr("from", c.sess.jid.String())
	if el.Local == "presence" {
		if e := c.srv.presenceError(el); e != nil {
			c.srv.deliverLocal(e)
			return nil
		}
	}
	if to := el.Attr("to"); to != "" {
		if _, err := parseAddr(to); err != nil {
			el.RemoveAttr("to")
			c.srv.bounce(el, stanza.JIDMalformed)
			return nil
		}
	}
	if el.Local == "iq" && !validIQ(el) {
		c.srv.bounce(el, stanza.BadRequest)
		return nil
	}
	if cond, ok := c.srv.authorized(c.sess, el); !ok {
		c.srv.bounce(el, cond)
		return nil
	}
	c.srv.route(el)
	return nil
}

func validIQ(el *dom.Element) bool {
	switch el.Attr("type") {
	case "get", "set":
		return el.Attr("id") != "" && len(el.Children) == 1
	case "result", "error":
		return el.Attr("id") != ""
	}
	return false
}

// startWriter runs the writer for a resumed session.
func (c *c2s) startWriter() {
	c.writerWG.Add(1)
	go c.writeElements(true)
}

// stopWriter ends the writer, leaving the session queue as it is, and
// waits for it.
func (c *c2s) stopWriter() {
	c.wcancel()
	c.writerWG.Wait()
}

// writeLoop sends queued stanzas until the queue closes or the stream ends.
// A queue closed with a reason (overflow) ends the stream with that error.
// With stream management each stanza is recorded as unacknowledged before
// it is written, so a failed write is resent after resumption.
func (c *c2s) writeLoop() { c.writeElements(false) }

// writeElements is writeLoop; counting is set when stream management is
// on from the start (a resumed session).
func (c *c2s) writeElements(counting bool) {
	defer c.writerWG.Done()
	for {
		el, err := c.sess.q.pop(c.wctx)
		if err != nil {
			if r := c.sess.q.closeReason(); r != "" && c.wctx.Err() == nil {
				c.fail(r)
			}
			return
		}
		var request bool
		switch {
		case el.Is(ns.SM, "enabled"):
			counting = true
		case counting && el.Space == ns.Client:
			var ok bool
			if request, ok = c.sm.sent(el); !ok {
				c.fail(condPolicyViolation)
				return
			}
		}
		if err := c.t.WriteElement(c.wctx, el); err != nil {
			c.fail("")
			return
		}
		if request {
			_ = c.t.WriteElement(c.wctx, smRequest())
		}
	}
}
