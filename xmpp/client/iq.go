package client

import (
	"context"
	"fmt"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// IQ sends a get or set IQ (an id is assigned when missing) and waits for
// its result or error until ctx ends. An error response is returned along
// with an error wrapping ErrIQ that names the condition.
func (c *Conn) IQ(ctx context.Context, iq *dom.Element) (*dom.Element, error) {
	if iq == nil || !iq.Is(ns.Client, "iq") || (iq.Attr("type") != "get" && iq.Attr("type") != "set") {
		return nil, ErrBadStanza
	}
	iq = iq.Copy()
	if iq.Attr("id") == "" {
		iq.SetAttr("id", stanza.NewID())
	}
	key := c.responseKey(iq.Attr("to"), iq.Attr("id"))
	ch := make(chan *dom.Element, 1)
	c.mu.Lock()
	c.pending[key] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, key)
		c.mu.Unlock()
	}()
	if err := c.Send(ctx, iq); err != nil {
		return nil, err
	}
	select {
	case r := <-ch:
		if r.Attr("type") == "error" {
			return r, fmt.Errorf("%w: %s", ErrIQ, stanzaCondition(r))
		}
		return r, nil
	case <-c.done:
		return nil, c.Err()
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// responseKey identifies the response to an IQ sent to `to` with `id`: a
// response must come from where the request went (RFC 6120 §8.1.2.1; no
// to means our own account, answered by the server).
func (c *Conn) responseKey(to, id string) string {
	switch to {
	case "", c.jid.Bare().String(), c.jid.Domainpart():
		to = ""
	}
	return to + "\x00" + id
}

// deliverResponse hands a result or error IQ to its waiting IQ call.
func (c *Conn) deliverResponse(el *dom.Element) bool {
	if !el.Is(ns.Client, "iq") || (el.Attr("type") != "result" && el.Attr("type") != "error") {
		return false
	}
	key := c.responseKey(el.Attr("from"), el.Attr("id"))
	c.mu.Lock()
	ch, ok := c.pending[key]
	delete(c.pending, key)
	c.mu.Unlock()
	if ok {
		ch <- el
	}
	return ok
}

// stanzaCondition names the defined condition of a stanza error.
func stanzaCondition(st *dom.Element) string {
	if st.Child(ns.Client, "error") == nil {
		return "no error element"
	}
	if c := stanza.ErrorCondition(st); c != "" {
		return c
	}
	return "undefined-condition"
}
