package xmpp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/internal/ns"
	"meetd/xmpp/internal/stz"
)

// bindAttempts bounds the retries for a free random resource.
const bindAttempts = 4

// authenticate runs SASL. Only ANONYMOUS is offered: the user becomes a
// random UUID localpart at Domain.
func (c *c2s) authenticate(ctx context.Context, el *dom.Element) error {
	if el.Space != ns.SASL {
		return &streamError{cond: condNotAuthorized, text: "stanza before authentication"}
	}
	if !el.Is(ns.SASL, "auth") {
		return c.saslFailure(ctx, "aborted")
	}
	if el.Attr("mechanism") != "ANONYMOUS" {
		return c.saslFailure(ctx, "invalid-mechanism")
	}
	user, err := jid.New(newUUID(), c.srv.cfg.Domain, "")
	if err != nil {
		return fmt.Errorf("xmpp: anonymous user: %w", err)
	}
	c.user, c.opened = user, false
	c.log.Debug("authenticated", "mechanism", "ANONYMOUS")
	return c.t.WriteElement(ctx, dom.New(ns.SASL, "success"))
}

func (c *c2s) saslFailure(ctx context.Context, cond string) error {
	f := dom.New(ns.SASL, "failure")
	f.AddNew(ns.SASL, cond)
	return c.t.WriteElement(ctx, f)
}

// bind handles resource binding; the legacy session IQ may come first.
func (c *c2s) bind(ctx context.Context, el *dom.Element) error {
	if !el.Is(ns.Client, "iq") || el.Attr("type") != "set" {
		return &streamError{cond: condNotAuthorized, text: "stanza before bind"}
	}
	b := el.Child(ns.Bind, "bind")
	if b == nil {
		return c.t.WriteElement(ctx, stz.ErrorReply(el, stz.NotAllowed, "bind first"))
	}
	var resource string
	if r := b.Child(ns.Bind, "resource"); r != nil {
		resource = r.Text
	}
	sess, err := c.register(resource)
	if err != nil {
		return c.t.WriteElement(ctx, stz.ErrorReply(el, stz.Conflict, ""))
	}
	res := stz.Result(el)
	res.AddNew(ns.Bind, "bind").AddNew(ns.Bind, "jid").SetText(sess.jid.String())
	if err := c.t.WriteElement(ctx, res); err != nil {
		c.srv.router.remove(sess)
		return err
	}
	c.sess = sess
	c.bound.Store(true)
	c.log = c.log.With("jid", sess.jid.String())
	c.log.Info("session bound")
	c.writerWG.Add(1)
	go c.writeLoop()
	return nil
}

// register adds the session to the router with the requested resource, or
// a random one when none was requested or it is taken.
func (c *c2s) register(resource string) (*session, error) {
	var err error
	for i := 0; i < bindAttempts; i++ {
		r := resource
		if r == "" || i > 0 {
			r = randomID(8)
		}
		var j jid.JID
		if j, err = c.user.WithResource(r); err != nil {
			continue
		}
		sess := &session{jid: j, q: newQueue(defaultQueueLen)}
		if err = c.srv.router.add(sess); err == nil {
			return sess, nil
		}
	}
	return nil, err
}

// randomID returns n random bytes in hex.
func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// newUUID returns a random (version 4) UUID in lowercase, the form Jitsi
// clients expect for anonymous localparts.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
