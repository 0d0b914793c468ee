package load

import (
	"bytes"
	"context"
	"crypto/tls"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const xmppWriteTimeout = 10 * time.Second

// xmppConn is a minimal RFC 7395 client: SASL ANONYMOUS, bind, IQ
// request/response and a handler for everything else.
type xmppConn struct {
	ws     *websocket.Conn
	wmu    sync.Mutex
	jid    string
	nextID atomic.Uint64

	mu      sync.Mutex
	pending map[string]chan *dom.Element
	done    chan struct{}
	handle  func(*dom.Element)
}

// wsDialer dials meetd's WebSockets; its certificate is usually self-signed.
func wsDialer() *websocket.Dialer {
	return &websocket.Dialer{
		TLSClientConfig:  &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // test servers use self-signed certificates
		HandshakeTimeout: 10 * time.Second,
		Subprotocols:     []string{"xmpp"},
		// One frame per stanza: a smaller buffer fragments large ones (a
		// session-accept), and Prosody refuses continuation frames as
		// RFC 7395 §3.3.3 allows.
		WriteBufferSize: 64 << 10,
	}
}

// dialXMPP opens an XMPP stream over WebSocket, authenticates anonymously
// and binds a resource. handle receives every stanza that is not the
// answer to a pending IQ, on the reader goroutine.
func dialXMPP(ctx context.Context, url, domain string, handle func(*dom.Element)) (*xmppConn, error) {
	ws, resp, err := wsDialer().DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("load: xmpp websocket: %w", err)
	}
	_ = resp.Body.Close()
	c := &xmppConn{ws: ws, pending: map[string]chan *dom.Element{}, done: make(chan struct{}), handle: handle}
	if err := c.login(ctx, domain); err != nil {
		_ = ws.Close()
		return nil, err
	}
	go c.readLoop()
	return c, nil
}

func (c *xmppConn) login(ctx context.Context, domain string) error {
	if d, ok := ctx.Deadline(); ok {
		_ = c.ws.SetReadDeadline(d)
	}
	defer func() { _ = c.ws.SetReadDeadline(time.Time{}) }()
	open := fmt.Sprintf(`<open xmlns="%s" to="%s" version="1.0"/>`, ns.Framing, domain)
	if err := c.openStream(open, ns.SASL, "mechanisms"); err != nil {
		return err
	}
	if err := c.writeRaw(`<auth xmlns="` + ns.SASL + `" mechanism="ANONYMOUS"/>`); err != nil {
		return err
	}
	if el, err := c.readElement(); err != nil || !el.Is(ns.SASL, "success") {
		return fmt.Errorf("%w: sasl: %v %v", ErrProtocol, el, err)
	}
	if err := c.openStream(open, ns.Bind, "bind"); err != nil {
		return err
	}
	if err := c.writeRaw(`<iq xmlns="` + ns.Client + `" type="set" id="bind1"><bind xmlns="` + ns.Bind + `"/></iq>`); err != nil {
		return err
	}
	el, err := c.readElement()
	if err != nil {
		return err
	}
	jid := el.Child(ns.Bind, "bind").Child(ns.Bind, "jid")
	if el.Attr("type") != "result" || jid == nil || jid.Text == "" {
		return fmt.Errorf("%w: bind: %v", ErrProtocol, el)
	}
	c.jid = jid.Text
	return nil
}

// openStream sends an open and reads the answer and the features, which
// must offer the given feature.
func (c *xmppConn) openStream(open, space, local string) error {
	if err := c.writeRaw(open); err != nil {
		return err
	}
	if el, err := c.readElement(); err != nil || !el.Is(ns.Framing, "open") {
		return fmt.Errorf("%w: open: %v %v", ErrProtocol, el, err)
	}
	el, err := c.readElement()
	if err != nil || !el.Is(ns.Streams, "features") || el.Child(space, local) == nil {
		return fmt.Errorf("%w: features: %v %v", ErrProtocol, el, err)
	}
	return nil
}

func (c *xmppConn) readElement() (*dom.Element, error) {
	for {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return nil, err
		}
		if len(bytes.TrimSpace(b)) == 0 {
			continue
		}
		el, err := dom.Parse(b)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrProtocol, err)
		}
		return el, nil
	}
}

func (c *xmppConn) readLoop() {
	defer close(c.done)
	for {
		el, err := c.readElement()
		if err != nil {
			return
		}
		if el.Local == "iq" && (el.Attr("type") == "result" || el.Attr("type") == "error") {
			c.mu.Lock()
			ch := c.pending[el.Attr("id")]
			delete(c.pending, el.Attr("id"))
			c.mu.Unlock()
			if ch != nil {
				ch <- el
				continue
			}
		}
		if c.handle != nil {
			c.handle(el)
		}
	}
}

func (c *xmppConn) writeRaw(s string) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(xmppWriteTimeout))
	return c.ws.WriteMessage(websocket.TextMessage, []byte(s))
}

// send writes one element.
func (c *xmppConn) send(el *dom.Element) error { return c.writeRaw(el.String()) }

// iq sends an IQ of the given type with one payload and waits for its
// answer; an error answer is returned as ErrRejected.
func (c *xmppConn) iq(ctx context.Context, typ, to string, payload *dom.Element) (*dom.Element, error) {
	id := "l" + strconv.FormatUint(c.nextID.Add(1), 10)
	el := stanza.IQWithID(typ, to, id).Add(payload)
	ch := make(chan *dom.Element, 1)
	c.mu.Lock()
	c.pending[id] = ch
	c.mu.Unlock()
	defer func() {
		c.mu.Lock()
		delete(c.pending, id)
		c.mu.Unlock()
	}()
	if err := c.send(el); err != nil {
		return nil, err
	}
	select {
	case res := <-ch:
		if res.Attr("type") == "error" {
			return res, fmt.Errorf("%w: %s", ErrRejected, res)
		}
		return res, nil
	case <-c.done:
		return nil, ErrClosed
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// reply answers an IQ with an empty result.
func (c *xmppConn) reply(iq *dom.Element) error {
	return c.send(stanza.Result(iq))
}

// close ends the stream politely and closes the WebSocket.
func (c *xmppConn) close() {
	_ = c.writeRaw(`<close xmlns="` + ns.Framing + `"/>`)
	_ = c.ws.Close()
	<-c.done
}
