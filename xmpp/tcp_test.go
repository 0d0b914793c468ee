package xmpp

import (
	"bufio"
	"crypto/tls"
	"crypto/x509"
	"encoding/xml"
	"io"
	"net"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// testTLS returns a server TLS config and a client config that trusts it.
func testTLS(t *testing.T) (server, client *tls.Config) {
	t.Helper()
	hts := httptest.NewUnstartedServer(nil)
	hts.StartTLS()
	t.Cleanup(hts.Close)
	pool := x509.NewCertPool()
	pool.AddCert(hts.Certificate())
	return hts.TLS, &tls.Config{RootCAs: pool, ServerName: "example.com"}
}

// listen starts a listener served by serve on loopback.
func (e *testEnv) listenC2S(serverTLS *tls.Config) string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.srv.ServeC2S(ln, serverTLS); err != nil {
		e.t.Fatal(err)
	}
	return ln.Addr().String()
}

// tcpClient is a raw RFC 6120 client for tests.
type tcpClient struct {
	t    *testing.T
	conn net.Conn
	dec  *xml.Decoder
	jid  string
	// lastStreamID is the id of the last stream header read.
	lastStreamID string
}

func dialTCP(t *testing.T, addr string) *tcpClient {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, waitTimeout)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = conn.Close() })
	c := &tcpClient{t: t, conn: conn}
	c.dec = xml.NewDecoder(bufio.NewReader(conn))
	return c
}

func (c *tcpClient) send(s string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, s); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *tcpClient) header() {
	c.send(`<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'>`)
}

// next returns the next element; the stream header comes back as
// stream:stream without children, the footer as nil.
func (c *tcpClient) next() *dom.Element {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		tok, err := c.dec.Token()
		if err != nil {
			c.t.Fatalf("read: %v", err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			if tk.Name.Local == "stream" {
				h := dom.New(tk.Name.Space, "stream")
				for _, a := range tk.Attr {
					if a.Name.Local == "id" {
						c.lastStreamID = a.Value
					}
				}
				return h
			}
			el, err := dom.ReadElement(c.dec, tk)
			if err != nil {
				c.t.Fatalf("read element: %v", err)
			}
			return el
		case xml.EndElement:
			return nil
		}
	}
}

// features reads a stream header and the features after it.
func (c *tcpClient) features() *dom.Element {
	c.t.Helper()
	if h := c.next(); h == nil || h.Local != "stream" {
		c.t.Fatalf("want stream header, got %v", h)
	}
	f := c.next()
	if !f.Is(ns.Streams, "features") {
		c.t.Fatalf("want features, got %s", f)
	}
	return f
}

// startTLS negotiates STARTTLS and restarts the stream.
func (c *tcpClient) startTLS(conf *tls.Config) {
	c.t.Helper()
	c.header()
	if f := c.features(); f.Child(ns.TLS, "starttls").Child(ns.TLS, "required") == nil || f.Child(ns.SASL, "mechanisms") != nil {
		c.t.Fatalf("pre-TLS features %s", f)
	}
	c.send(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`)
	if p := c.next(); !p.Is(ns.TLS, "proceed") {
		c.t.Fatalf("want proceed, got %s", p)
	}
	tc := tls.Client(c.conn, conf)
	if err := tc.Handshake(); err != nil {
		c.t.Fatalf("handshake: %v", err)
	}
	c.conn = tc
	c.dec = xml.NewDecoder(bufio.NewReader(tc))
}

// login runs STARTTLS, SASL ANONYMOUS and bind.
func (c *tcpClient) login(conf *tls.Config) string {
	c.t.Helper()
	c.startTLS(conf)
	c.header()
	if f := c.features(); f.Child(ns.SASL, "mechanisms") == nil {
		c.t.Fatalf("post-TLS features %s", f)
	}
	c.send(`<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`)
	if s := c.next(); !s.Is(ns.SASL, "success") {
		c.t.Fatalf("want success, got %s", s)
	}
	c.header()
	if f := c.features(); f.Child(ns.Bind, "bind") == nil || f.Child(ns.SM, "sm") == nil {
		c.t.Fatalf("post-SASL features %s", f)
	}
	c.send(`<iq type='set' id='b1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'/></iq>`)
	r := c.next()
	c.jid = r.Child(ns.Bind, "bind").Child(ns.Bind, "jid").Text
	if r.Attr("type") != "result" || !anonJID.MatchString(c.jid) {
		c.t.Fatalf("bind %s", r)
	}
	return c.jid
}

// streamError reads until a stream error and returns its condition; then
// the footer must follow.
func (c *tcpClient) streamError() string {
	c.t.Helper()
	for i := 0; i < 10; i++ {
		e := c.next()
		if e != nil && e.Is(ns.Streams, "error") {
			if c.next() != nil {
				c.t.Fatal("no stream footer after the error")
			}
			return e.FirstChild().Local
		}
	}
	c.t.Fatal("no stream error")
	return ""
}

func TestTCPStream(t *testing.T) {
	env := newEnv(t)
	serverTLS, clientTLS := testTLS(t)
	addr := env.listenC2S(serverTLS)
	c := dialTCP(t, addr)
	jc := c.login(clientTLS)
	ws := env.dial()
	ws.login()
	c.send(`<iq type='get' to='localhost' id='p1'><ping xmlns='urn:xmpp:ping'/></iq>`)
	if r := c.next(); r.Attr("id") != "p1" || r.Attr("type") != "result" {
		t.Fatalf("ping %s", r)
	}
	c.send(`<message type='chat' to='` + ws.jid + `' id='m1'><body>hi</body></message>`)
	if m := ws.recvWhere("message", isMessage("m1")); m.Attr("from") != jc {
		t.Fatalf("from %q, want %q", m.Attr("from"), jc)
	}
	ws.send(chat(jc, "m2"))
	if m := c.next(); m.Attr("id") != "m2" || m.Space != ns.Client {
		t.Fatalf("message over TCP %s", m)
	}
	c.send(`  `) // whitespace keep-alive
	c.send(`</stream:stream>`)
	if c.next() != nil {
		t.Fatal("no stream footer after close")
	}
	ws.ping("still-up")
}

func TestTCPBadInput(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.MaxStanzaBytes = 4096 })
	serverTLS, clientTLS := testTLS(t)
	addr := env.listenC2S(serverTLS)
	ws := env.dial()
	ws.login()
	tests := []struct {
		name, cond string
		tls        bool
		send       string
	}{
		{"auth before STARTTLS", condPolicyViolation, false, `<auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/>`},
		{"oversized stanza", condPolicyViolation, true, `<message><body>` + strings.Repeat("x", 5000) + `</body></message>`},
		{"not well-formed", condNotWellFormed, true, `<message><body></message>`},
		{"comment", condRestrictedXML, true, `<!-- hi -->`},
		{"text between stanzas", condNotWellFormed, true, `hello<presence/>`},
		{"processing instruction", condRestrictedXML, true, `<?php x?>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := dialTCP(t, addr)
			if tc.tls {
				c.startTLS(clientTLS)
			}
			c.header()
			c.features()
			c.send(tc.send)
			if got := c.streamError(); got != tc.cond {
				t.Fatalf("stream error %q, want %q", got, tc.cond)
			}
		})
	}
	t.Run("bad TLS handshake", func(t *testing.T) {
		c := dialTCP(t, addr)
		c.header()
		c.features()
		c.send(`<starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/>`)
		c.next()
		c.send("this is not a TLS client hello\r\n")
		_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
		if _, err := io.ReadAll(c.conn); err != nil {
			t.Logf("read after bad handshake: %v", err)
		}
	})
	ws.ping("still-up")
}

// TestTCPResumeOverWebSocket: stream management is transport-neutral: a
// session from a dropped TCP connection resumes over a WebSocket.
func TestTCPResumeOverWebSocket(t *testing.T) {
	env := newEnv(t)
	serverTLS, clientTLS := testTLS(t)
	c := dialTCP(t, env.listenC2S(serverTLS))
	jc := c.login(clientTLS)
	c.send(`<enable xmlns='urn:xmpp:sm:3' resume='true'/>`)
	en := c.next()
	if !en.Is(ns.SM, "enabled") || en.Attr("id") == "" {
		t.Fatalf("want enabled, got %s", en)
	}
	_ = c.conn.Close()
	ws := env.dial()
	if r := ws.resumeLogin(en.Attr("id"), 0); !r.Is(ns.SM, "resumed") {
		t.Fatalf("want resumed, got %s", r)
	}
	ws.jid = jc
	ws.ping("after-resume")
}
