package xmpp

import (
	"context"
	"crypto/sha1"
	"crypto/subtle"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// condInvalidFrom is the stream error for a component stanza from outside
// its domain.
const condInvalidFrom = "invalid-from"

// componentStanzaFactor: components may send larger stanzas than clients
// (Prosody: 512 KiB against 256 KiB).
const componentStanzaFactor = 2

// ServeComponents accepts external components (XEP-0114,
// jabber:component:accept) on ln until the server closes. secrets maps
// each component domain to its handshake secret; stanzas to any address in
// a connected component's domain are delivered to it.
func (s *Server) ServeComponents(ln net.Listener, secrets map[string]string) error {
	for d := range secrets {
		if s.isHost(d) || s.mucs[d] != nil || d == s.cfg.FocusDomain {
			return fmt.Errorf("%w: component domain %q is a server domain", ErrBadConfig, d)
		}
	}
	return s.serveListener(ln, func(conn net.Conn) {
		defer s.wg.Done()
		t := newTCPTransport(conn, nil, componentStanzaFactor*s.cfg.MaxStanzaBytes, ns.Component)
		c := &component{srv: s, t: t, log: s.log.With("component", conn.RemoteAddr().String())}
		c.serve(secrets)
	})
}

// component is one connected external component.
type component struct {
	srv    *Server
	t      *tcpTransport
	log    *slog.Logger
	domain string
	sess   *session
	once   sync.Once
	header bool // the stream header was written
}

func (c *component) serve(secrets map[string]string) {
	stop := context.AfterFunc(c.srv.ctx, func() { c.fail(condSystemShutdown) })
	defer stop()
	timer := time.AfterFunc(c.srv.cfg.PreAuthTimeout, func() { c.fail(condConnectionTimeout) })
	err := c.handshake(c.srv.ctx, secrets)
	timer.Stop()
	if err == nil {
		err = c.run()
	}
	c.fail(conditionOf(err))
	if cond := conditionOf(err); cond != "" {
		c.log.Info("component stream error", "condition", cond, "err", err)
	}
}

// handshake reads the stream header and the handshake (XEP-0114 §3).
func (c *component) handshake(ctx context.Context, secrets map[string]string) error {
	el, err := c.t.ReadElement(ctx)
	if err != nil {
		return err
	}
	if !el.Is(ns.Framing, "open") {
		return &streamError{cond: condNotAuthorized, text: "no stream header"}
	}
	secret, ok := secrets[el.Attr("to")]
	if !ok {
		return &streamError{cond: condHostUnknown}
	}
	id := randomID(16)
	hdr := dom.New(ns.Framing, "open").SetAttr("from", el.Attr("to")).SetAttr("id", id)
	if err := c.t.WriteElement(ctx, hdr); err != nil {
		return err
	}
	c.header = true
	hs, err := c.t.ReadElement(ctx)
	if err != nil {
		return err
	}
	sum := sha1.Sum([]byte(id + secret))
	want := hex.EncodeToString(sum[:])
	got := strings.ToLower(strings.TrimSpace(hs.Text))
	if !hs.Is(ns.Component, "handshake") || subtle.ConstantTimeCompare([]byte(got), []byte(want)) != 1 {
		return &streamError{cond: condNotAuthorized}
	}
	c.domain = el.Attr("to")
	return c.attach(ctx)
}

// attach registers the component's domain and confirms the handshake.
func (c *component) attach(ctx context.Context) error {
	j, err := jid.Parse(c.domain)
	if err != nil {
		return &streamError{cond: condHostUnknown}
	}
	c.sess = &session{jid: j, aliases: []string{c.domain}, q: newQueue(defaultQueueLen)}
	if err := c.srv.router.add(c.sess); err != nil {
		c.sess = nil
		return &streamError{cond: "conflict", text: "component already connected"}
	}
	c.log = c.log.With("domain", c.domain)
	c.log.Info("component connected")
	return c.t.WriteElement(ctx, dom.New(ns.Component, "handshake"))
}

// run routes the component's stanzas and writes what is delivered to it,
// until either side ends.
func (c *component) run() error {
	var wg sync.WaitGroup
	wctx, cancel := context.WithCancel(context.Background())
	wg.Add(1)
	go func() {
		defer wg.Done()
		c.writeLoop(wctx)
	}()
	err := c.readLoop()
	c.srv.router.remove(c.sess)
	c.srv.leaveAll(c.sess.jid, c.sess.aliases...)
	c.sess.q.close("")
	cancel()
	wg.Wait()
	c.log.Info("component disconnected")
	return err
}

func (c *component) readLoop() error {
	for {
		el, err := c.t.ReadElement(c.srv.ctx)
		if err != nil {
			return err
		}
		if el.Is(ns.Framing, "close") {
			return errPeerClosed
		}
		if err := c.stanza(el); err != nil {
			return err
		}
	}
}

// stanza checks and routes one stanza from the component: `from` must be
// in its domain.
func (c *component) stanza(el *dom.Element) error {
	if el.Space != ns.Component || !isStanza(el.Local) {
		return &streamError{cond: condUnsupportedStanzaType, text: el.Local}
	}
	qualify(el, ns.Component, ns.Client)
	from, err := jid.Parse(el.Attr("from"))
	if err != nil || from.Domainpart() != c.domain {
		return &streamError{cond: condInvalidFrom}
	}
	if to := el.Attr("to"); to != "" {
		if _, err := parseAddr(to); err != nil {
			el.RemoveAttr("to")
			c.srv.bounce(el, stanza.JIDMalformed)
			return nil
		}
	}
	c.srv.route(el)
	return nil
}

func (c *component) writeLoop(ctx context.Context) {
	for {
		el, err := c.sess.q.pop(ctx)
		if err != nil {
			if r := c.sess.q.closeReason(); r != "" && ctx.Err() == nil {
				c.fail(r)
			}
			return
		}
		out := el.Copy()
		qualify(out, ns.Client, ns.Component)
		if err := c.t.WriteElement(ctx, out); err != nil {
			c.fail("")
			return
		}
	}
}

// fail ends the stream once, with a stream error when cond is set.
func (c *component) fail(cond string) {
	c.once.Do(func() {
		ctx, cancel := context.WithTimeout(context.Background(), writeTimeout)
		defer cancel()
		if !c.header && cond != "" {
			// RFC 6120 §4.9.1.1: a stream error needs a stream header first.
			hdr := dom.New(ns.Framing, "open").SetAttr("from", c.srv.cfg.Domain).SetAttr("id", randomID(16))
			_ = c.t.WriteElement(ctx, hdr)
		}
		if cond != "" {
			_ = c.t.WriteElement(ctx, streamErrorElement(cond))
		}
		_ = c.t.WriteElement(ctx, dom.New(ns.Framing, "close"))
		_ = c.t.Close()
	})
}
