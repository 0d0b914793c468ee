package xmpp

import (
	"context"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// waitTimeout is generous: tests run on loaded 2-core machines.
const waitTimeout = 15 * time.Second

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func testConfig() Config {
	return Config{
		Domain: "localhost", MUCDomain: "conference.localhost", FocusDomain: "focus.localhost",
		AuthDomain: "auth.localhost", InternalMUCDomain: "internal.auth.localhost",
		RoomCreators: []string{"focus@auth.localhost"},
	}
}

type testEnv struct {
	t   *testing.T
	srv *Server
	hts *httptest.Server
	url string
}

func newEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	cfg := testConfig()
	for _, m := range mutate {
		m(&cfg)
	}
	srv, err := NewServer(cfg)
	if err != nil {
		t.Fatalf("NewServer: %v", err)
	}
	hts := httptest.NewServer(srv.WebSocketHandler())
	env := &testEnv{t: t, srv: srv, hts: hts, url: "ws" + strings.TrimPrefix(hts.URL, "http")}
	t.Cleanup(func() {
		_ = srv.Close()
		hts.Close()
	})
	return env
}

func (e *testEnv) attach(full string, aliases ...string) *LocalSession {
	e.t.Helper()
	l, err := e.srv.Attach(context.Background(), full, aliases...)
	if err != nil {
		e.t.Fatalf("Attach %s: %v", full, err)
	}
	return l
}

// wsClient is a raw RFC 7395 client for tests.
type wsClient struct {
	t    *testing.T
	conn *websocket.Conn
	jid  string
}

func (e *testEnv) dial() *wsClient {
	e.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"xmpp"}, HandshakeTimeout: waitTimeout}
	conn, resp, err := d.Dial(e.url, nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	if conn.Subprotocol() != "xmpp" {
		e.t.Fatalf("subprotocol %q", conn.Subprotocol())
	}
	c := &wsClient{t: e.t, conn: conn}
	e.t.Cleanup(func() { _ = conn.Close() })
	return c
}

func (c *wsClient) send(s string) {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

// recvRaw returns the next message as text.
func (c *wsClient) recvRaw() string {
	c.t.Helper()
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	_, b, err := c.conn.ReadMessage()
	if err != nil {
		c.t.Fatalf("recv: %v", err)
	}
	return string(b)
}

func (c *wsClient) recv() *dom.Element {
	c.t.Helper()
	raw := c.recvRaw()
	e, err := dom.Parse([]byte(raw))
	if err != nil {
		c.t.Fatalf("parse %q: %v", raw, err)
	}
	return e
}

// recvWhere returns the first element matching pred, skipping others.
func (c *wsClient) recvWhere(what string, pred func(*dom.Element) bool) *dom.Element {
	c.t.Helper()
	for i := 0; i < 50; i++ {
		if e := c.recv(); pred(e) {
			return e
		}
	}
	c.t.Fatalf("no %s received", what)
	return nil
}

func (c *wsClient) recvID(id string) *dom.Element {
	c.t.Helper()
	return c.recvWhere("id "+id, func(e *dom.Element) bool { return e.Attr("id") == id })
}

// login runs open, SASL ANONYMOUS, restart and bind.
func (c *wsClient) login() string {
	c.t.Helper()
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`)
	if e := c.recv(); !e.Is(ns.Framing, "open") || e.Attr("version") != "1.0" {
		c.t.Fatalf("want open, got %s", e)
	}
	f := c.recv()
	if f.Child(ns.SASL, "mechanisms").Child(ns.SASL, "mechanism").Text != "ANONYMOUS" {
		c.t.Fatalf("features without ANONYMOUS: %s", f)
	}
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`)
	if e := c.recv(); !e.Is(ns.SASL, "success") {
		c.t.Fatalf("want success, got %s", e)
	}
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`)
	c.recv()
	if f := c.recv(); f.Child(ns.Bind, "bind") == nil || f.Child(ns.SM, "sm") == nil {
		c.t.Fatalf("post-SASL features: %s", f)
	}
	c.send(`<iq xmlns="jabber:client" type="set" id="_bind_auth_2"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	res := c.recvID("_bind_auth_2")
	c.jid = res.Child(ns.Bind, "bind").Child(ns.Bind, "jid").Text
	if res.Attr("type") != "result" || c.jid == "" {
		c.t.Fatalf("bind: %s", res)
	}
	return c.jid
}

// ping sends a ping to the domain and waits for the result.
func (c *wsClient) ping(id string) {
	c.t.Helper()
	c.send(`<iq xmlns="jabber:client" type="get" to="localhost" id="` + id + `"><ping xmlns="urn:xmpp:ping"/></iq>`)
	if r := c.recvID(id); r.Attr("type") != "result" {
		c.t.Fatalf("ping: %s", r)
	}
}

// expectStreamError reads until a stream error and returns its condition,
// then expects the close element and the end of the connection.
func (c *wsClient) expectStreamError() string {
	c.t.Helper()
	var cond string
	for i := 0; i < 10 && cond == ""; i++ {
		raw := c.recvRaw()
		if strings.HasPrefix(raw, "<stream:error") {
			e, err := dom.Parse([]byte(raw))
			if err != nil || e.FirstChild() == nil {
				c.t.Fatalf("bad stream error %q", raw)
			}
			cond = e.FirstChild().Local
		}
	}
	if raw := c.recvRaw(); raw != wsClose {
		c.t.Fatalf("want close, got %q", raw)
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	if _, _, err := c.conn.ReadMessage(); err == nil {
		c.t.Fatalf("connection still open after stream error")
	}
	return cond
}

// recvLocal receives from a LocalSession with a timeout.
func recvLocal(t *testing.T, l *LocalSession) *dom.Element {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	e, err := l.Recv(ctx)
	if err != nil {
		t.Fatalf("%s Recv: %v", l.JID(), err)
	}
	return e
}

func recvLocalWhere(t *testing.T, l *LocalSession, what string, pred func(*dom.Element) bool) *dom.Element {
	t.Helper()
	for i := 0; i < 50; i++ {
		if e := recvLocal(t, l); pred(e) {
			return e
		}
	}
	t.Fatalf("%s: no %s", l.JID(), what)
	return nil
}

func sendLocal(t *testing.T, l *LocalSession, s string) {
	t.Helper()
	if err := l.Send(context.Background(), dom.MustParse(s)); err != nil {
		t.Fatalf("Send: %v", err)
	}
}
