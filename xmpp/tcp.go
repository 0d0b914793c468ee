package xmpp

import (
	"bufio"
	"context"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// TCP stream timeouts.
const (
	// tcpIdleTimeout closes a TCP stream that sent nothing, not even
	// whitespace, for this long.
	tcpIdleTimeout = 10 * time.Minute
	// tlsHandshakeTimeout bounds the STARTTLS handshake.
	tlsHandshakeTimeout = 10 * time.Second
)

// tcpTransport is an RFC 6120 stream over TCP: the stream header and
// footer become the framing open and close elements, and STARTTLS
// upgrades the connection in place.
type tcpTransport struct {
	raw     net.Conn
	tlsConf *tls.Config // nil: no STARTTLS offered (component streams)
	limit   int
	ip      string
	stream  string // namespace of the stream content, jabber:client or jabber:component:accept

	// read side, used by the reading goroutine only
	r      *countingReader
	dec    *xml.Decoder
	secure bool
	opened bool // a stream header was read

	wmu       sync.Mutex
	conn      net.Conn // raw, or the TLS connection after STARTTLS
	closeOnce sync.Once
}

func newTCPTransport(conn net.Conn, tlsConf *tls.Config, limit int, stream string) *tcpTransport {
	ip, _, err := net.SplitHostPort(conn.RemoteAddr().String())
	if err != nil {
		ip = conn.RemoteAddr().String()
	}
	t := &tcpTransport{raw: conn, conn: conn, tlsConf: tlsConf, limit: limit, ip: ip, stream: stream}
	t.resetReader(conn)
	return t
}

// resetReader starts parsing afresh on c (at the start, after STARTTLS).
func (t *tcpTransport) resetReader(c net.Conn) {
	t.r = &countingReader{r: bufio.NewReader(idleReader{c}), limit: t.limit}
	t.dec = xml.NewDecoder(t.r)
	t.dec.Strict = true
	t.opened = false
}

// connInfo tells login about the connection (implements infoTransport).
func (t *tcpTransport) connInfo() connInfo { return connInfo{ip: t.ip, secure: t.secure} }

// needsTLS reports whether the stream must still be upgraded with STARTTLS.
func (t *tcpTransport) needsTLS() bool { return t.tlsConf != nil && !t.secure }

// ReadElement returns the next top-level element, the stream header as
// open and the stream footer as close. The size limit counts the bytes of
// each element as they are read.
func (t *tcpTransport) ReadElement(ctx context.Context) (*dom.Element, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		t.r.reset()
		tok, err := t.dec.Token()
		if err != nil {
			return nil, t.readError(err)
		}
		el, err := t.element(tok)
		if err != nil {
			return nil, t.readError(err)
		}
		if el != nil {
			return el, nil
		}
	}
}

// element turns one token into an element; nil, nil for whitespace and
// the XML declaration.
func (t *tcpTransport) element(tok xml.Token) (*dom.Element, error) {
	switch tk := tok.(type) {
	case xml.StartElement:
		if tk.Name.Space == ns.Streams && tk.Name.Local == "stream" {
			t.opened = true
			return streamHeader(tk), nil
		}
		if !t.opened {
			return nil, fmt.Errorf("%w: no stream header", ErrNotWellFormed)
		}
		el, err := dom.ReadElement(t.dec, tk)
		if err != nil {
			return nil, err
		}
		qualify(el, "", t.stream)
		return el, nil
	case xml.EndElement:
		return dom.New(ns.Framing, "close"), nil
	case xml.CharData:
		if len(strings.TrimSpace(string(tk))) != 0 {
			return nil, fmt.Errorf("%w: text between stanzas", ErrNotWellFormed)
		}
		return nil, nil
	case xml.ProcInst:
		// Clients repeat the XML declaration before each stream header.
		if tk.Target != "xml" {
			return nil, fmt.Errorf("%w: processing instruction", ErrRestrictedXML)
		}
		return nil, nil
	}
	return nil, fmt.Errorf("%w: %T", ErrRestrictedXML, tok)
}

// readError classifies a decoder failure. When the connection itself
// failed or ended (even mid-element, which the decoder reports as a
// syntax error) it is a drop, io.EOF, not a stream error.
func (t *tcpTransport) readError(err error) error {
	switch {
	case errors.Is(err, ErrStanzaTooLarge):
		return ErrStanzaTooLarge
	case t.r.err != nil, errors.Is(err, io.EOF):
		return io.EOF
	case errors.Is(err, ErrNotWellFormed), errors.Is(err, ErrRestrictedXML):
		return err
	}
	return classify(err)
}

// streamHeader is the framing open element for a stream header.
func streamHeader(tk xml.StartElement) *dom.Element {
	open := dom.New(ns.Framing, "open")
	for _, a := range tk.Attr {
		if a.Name.Space == "" && a.Name.Local != "xmlns" {
			open.SetAttr(a.Name.Local, a.Value)
		}
	}
	return open
}

// WriteElement writes one element, or the stream header or footer.
func (t *tcpTransport) WriteElement(ctx context.Context, e *dom.Element) error {
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if err := t.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	_, err := io.WriteString(t.conn, t.serialize(e))
	return err
}

func (t *tcpTransport) serialize(e *dom.Element) string {
	switch {
	case e.Is(ns.Framing, "open"):
		var b strings.Builder
		b.WriteString(`<?xml version='1.0'?><stream:stream xmlns='` + t.stream + `' xmlns:stream='` + ns.Streams + `'`)
		for _, a := range e.Attrs {
			b.WriteString(" " + a.Name + `='`)
			_ = xml.EscapeText(&b, []byte(a.Value))
			b.WriteString(`'`)
		}
		b.WriteString(">")
		return b.String()
	case e.Is(ns.Framing, "close"):
		return "</stream:stream>"
	case e.Space == ns.Streams:
		return streamPrefixed(e)
	}
	return e.StringIn(t.stream)
}

// Close closes the connection (the TLS layer with it).
func (t *tcpTransport) Close() error {
	var err error
	t.closeOnce.Do(func() { err = t.raw.Close() })
	return err
}

// startTLS upgrades the connection after <proceed/> was written.
func (t *tcpTransport) startTLS(ctx context.Context) error {
	tc := tls.Server(t.raw, t.tlsConf)
	t.wmu.Lock()
	t.conn = tc
	t.wmu.Unlock()
	hctx, cancel := context.WithTimeout(ctx, tlsHandshakeTimeout)
	defer cancel()
	if err := tc.HandshakeContext(hctx); err != nil {
		return fmt.Errorf("xmpp: TLS handshake: %w", err)
	}
	t.secure = true
	t.resetReader(tc)
	return nil
}

// countingReader counts the bytes of one element and fails beyond limit.
// err keeps the connection's read error.
type countingReader struct {
	r     *bufio.Reader
	n     int
	limit int
	err   error
}

func (c *countingReader) reset() { c.n = 0 }

func (c *countingReader) ReadByte() (byte, error) {
	if c.n >= c.limit {
		return 0, ErrStanzaTooLarge
	}
	c.n++
	b, err := c.r.ReadByte()
	if err != nil {
		c.err = err
	}
	return b, err
}

func (c *countingReader) Read(p []byte) (int, error) {
	if c.n >= c.limit {
		return 0, ErrStanzaTooLarge
	}
	if len(p) > c.limit-c.n {
		p = p[:c.limit-c.n]
	}
	n, err := c.r.Read(p)
	c.n += n
	if err != nil {
		c.err = err
	}
	return n, err
}

// idleReader refreshes the read deadline before every read.
type idleReader struct{ c net.Conn }

func (r idleReader) Read(p []byte) (int, error) {
	if err := r.c.SetReadDeadline(time.Now().Add(tcpIdleTimeout)); err != nil {
		return 0, err
	}
	return r.c.Read(p)
}
