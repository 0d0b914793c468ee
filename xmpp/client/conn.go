package client

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"sync"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const (
	inboxLen       = 256
	writeTimeout   = 30 * time.Second
	keepAliveEvery = 60 * time.Second
)

// Conn is a logged-in XMPP stream. It has the JID/Send/Recv methods of the
// Conn interfaces of packages bridge and focus (which xmpp.LocalSession
// also satisfies) and adds IQ request/response matching.
type Conn struct {
	jid  jid.JID
	conn net.Conn
	r    *streamReader
	log  *slog.Logger
	mech string
	// every is the keepalive interval: a whitespace on component streams,
	// an XEP-0199 ping to the server (answered within the same time) on
	// client streams.
	every time.Duration
	// component: the stream is jabber:component:accept and the session
	// may send from any address in its domain.
	component bool

	wmu   sync.Mutex
	inbox chan *dom.Element

	mu      sync.Mutex
	pending map[string]chan *dom.Element
	err     error

	done      chan struct{} // closed when the stream ended (read error or Close)
	closing   chan struct{}
	closeOnce sync.Once
	wg        sync.WaitGroup
}

func newConn(nc net.Conn, r *streamReader, full jid.JID, cfg Config, mech string, component bool) *Conn {
	c := &Conn{
		jid: full, conn: nc, r: r, log: cfg.Logger, mech: mech, component: component, every: cfg.keepAlive,
		inbox: make(chan *dom.Element, inboxLen), pending: map[string]chan *dom.Element{},
		done: make(chan struct{}), closing: make(chan struct{}),
	}
	c.wg.Add(2)
	go c.readLoop()
	go c.keepAlive()
	c.log.Info("xmpp client connected", "jid", full.String())
	return c
}

// JID returns the bound full JID.
func (c *Conn) JID() string { return c.jid.String() }

// Mechanism names the SASL mechanism the login used.
func (c *Conn) Mechanism() string { return c.mech }

// Done is closed when the connection has ended.
func (c *Conn) Done() <-chan struct{} { return c.done }

// Err returns why the connection ended (nil while it is up).
func (c *Conn) Err() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.err
}

func (c *Conn) readLoop() {
	defer c.wg.Done()
	for {
		el, err := c.r.next()
		if err != nil {
			c.fail(err)
			return
		}
		if c.component {
			requalify(el, ns.Component, ns.Client)
		}
		if c.deliverResponse(el) {
			continue
		}
		select {
		case c.inbox <- el:
		case <-c.closing:
			c.fail(ErrClosed)
			return
		}
	}
}

// fail records the first cause, ends the stream and wakes all waiters.
func (c *Conn) fail(err error) {
	c.mu.Lock()
	if c.err == nil {
		if errors.Is(err, io.EOF) || errors.Is(err, net.ErrClosed) {
			err = fmt.Errorf("%w: %w", ErrClosed, err)
		}
		c.err = err
		close(c.done)
		c.log.Info("xmpp client disconnected", "jid", c.jid.String(), "err", err)
	}
	c.mu.Unlock()
	_ = c.conn.Close()
}

func (c *Conn) keepAlive() {
	defer c.wg.Done()
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-c.done:
			return
		case <-t.C:
			if err := c.probe(); err != nil {
				c.fail(err)
			}
		}
	}
}

// probe checks the peer is alive: any answer to a ping, even an error,
// will do. Components only send whitespace (they do not know the server's
// domain).
func (c *Conn) probe() error {
	if c.component {
		return c.writeRaw(context.Background(), " ")
	}
	ctx, cancel := context.WithTimeout(context.Background(), c.every)
	defer cancel()
	ping := stanza.IQ("get", c.jid.Domainpart())
	ping.AddNew(ns.Ping, "ping")
	_, err := c.IQ(ctx, ping)
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return ErrPingTimeout
	case err == nil || errors.Is(err, ErrIQ):
		return nil
	default:
		return err
	}
}

// Send writes one stanza. Its from is dropped: the server stamps our JID
// (as xmpp.LocalSession does in process).
func (c *Conn) Send(ctx context.Context, st *dom.Element) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st == nil || st.Space != ns.Client || !isStanza(st.Local) {
		return ErrBadStanza
	}
	if c.component {
		return c.writeRaw(ctx, c.componentStanza(st).StringIn(ns.Component))
	}
	if _, ok := st.LookupAttr("from"); ok {
		st = st.Copy()
		st.RemoveAttr("from")
	}
	return c.writeRaw(ctx, st.StringIn(ns.Client))
}

func (c *Conn) writeRaw(ctx context.Context, s string) error {
	select {
	case <-c.done:
		return c.Err()
	default:
	}
	c.wmu.Lock()
	defer c.wmu.Unlock()
	dl := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(dl) {
		dl = d
	}
	_ = c.conn.SetWriteDeadline(dl)
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.fail(fmt.Errorf("xmpp client: write: %w", err))
		return c.Err()
	}
	return nil
}

// Recv returns the next stanza that is not a response to IQ; after the
// connection ended it returns the stanzas already received, then Err().
func (c *Conn) Recv(ctx context.Context) (*dom.Element, error) {
	select {
	case el := <-c.inbox:
		return el, nil
	default:
	}
	select {
	case el := <-c.inbox:
		return el, nil
	case <-c.done:
		select {
		case el := <-c.inbox:
			return el, nil
		default:
			return nil, c.Err()
		}
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Close ends the stream with a footer and waits for the reader to stop.
func (c *Conn) Close() error {
	c.closeOnce.Do(func() {
		close(c.closing)
		_ = c.writeRaw(context.Background(), "</stream:stream>")
		c.fail(ErrClosed)
	})
	c.wg.Wait()
	return nil
}

// componentStanza is st in the component namespace with a from inside the
// component's domain.
func (c *Conn) componentStanza(st *dom.Element) *dom.Element {
	out := st.Copy()
	if f, err := jid.Parse(out.Attr("from")); err != nil || f.Domainpart() != c.jid.Domainpart() {
		out.SetAttr("from", c.jid.String())
	}
	requalify(out, ns.Client, ns.Component)
	return out
}

func isStanza(local string) bool {
	return local == "iq" || local == "message" || local == "presence"
}
