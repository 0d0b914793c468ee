package xmpp

import (
	"context"
	"crypto/tls"
	"encoding/base64"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"
	"mellium.im/sasl"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// testIterations keeps password hashing in tests cheap (the RFC minimum).
const testIterations = 4096

// leakCheck verifies at the end of the test, after the env's cleanup, that
// no goroutine the test started is left.
func leakCheck(t *testing.T) {
	t.Helper()
	opt := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, opt) })
}

// newTLSEnv is newEnv behind HTTPS, where PLAIN may be offered.
func newTLSEnv(t *testing.T, mutate ...func(*Config)) *testEnv {
	t.Helper()
	env := newEnv(t, mutate...)
	hts := httptest.NewTLSServer(env.srv.WebSocketHandler())
	t.Cleanup(hts.Close)
	env.hts, env.url = hts, "wss"+strings.TrimPrefix(hts.URL, "https")
	return env
}

// account returns a configured account with a freshly hashed password.
func account(t *testing.T, bare, password string, moderator bool) Account {
	t.Helper()
	h, err := HashPassword(password, testIterations)
	if err != nil {
		t.Fatal(err)
	}
	return Account{JID: bare, PasswordHash: h, Moderator: moderator}
}

// dialQ dials with a URL query (e.g. "token=...") from a local IP ("" for
// the default), and returns nil with the HTTP status when refused.
func (e *testEnv) dialQ(query, localIP string) (*wsClient, int) {
	e.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"xmpp"}, HandshakeTimeout: waitTimeout,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}
	if localIP != "" {
		nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(localIP)}}
		d.NetDialContext = nd.DialContext
	}
	u := e.url
	if query != "" {
		u += "?" + query
	}
	conn, resp, err := d.DialContext(context.Background(), u, nil)
	if err != nil {
		if resp != nil {
			_ = resp.Body.Close()
			return nil, resp.StatusCode
		}
		e.t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	c := &wsClient{t: e.t, conn: conn}
	e.t.Cleanup(func() { _ = conn.Close() })
	return c, resp.StatusCode
}

// openStream opens a stream to host and returns the offered mechanisms.
func (c *wsClient) openStream(host string) []string {
	c.t.Helper()
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="` + host + `" version="1.0"/>`)
	if e := c.recv(); !e.Is(ns.Framing, "open") || e.Attr("from") != host {
		c.t.Fatalf("want open from %s, got %s", host, e)
	}
	var mechs []string
	for _, m := range c.recv().Child(ns.SASL, "mechanisms").ChildrenNamed(ns.SASL, "mechanism") {
		mechs = append(mechs, m.Text)
	}
	return mechs
}

// auth sends an <auth/> with initial data and returns the answer.
func (c *wsClient) auth(mech string, data []byte) *dom.Element {
	c.t.Helper()
	text := "="
	if len(data) > 0 {
		text = base64.StdEncoding.EncodeToString(data)
	}
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="` + mech + `">` + text + `</auth>`)
	return c.recv()
}

// scram runs a SCRAM exchange as client and returns the final element
// (success or failure).
func (c *wsClient) scram(m sasl.Mechanism, user, password string) *dom.Element {
	c.t.Helper()
	neg := sasl.NewClient(m, sasl.Credentials(func() ([]byte, []byte, []byte) {
		return []byte(user), []byte(password), nil
	}))
	_, first, err := neg.Step(nil)
	if err != nil {
		c.t.Fatal(err)
	}
	e := c.auth(m.Name, first)
	if !e.Is(ns.SASL, "challenge") {
		return e
	}
	ch, _ := base64.StdEncoding.DecodeString(e.Text)
	_, final, err := neg.Step(ch)
	if err != nil {
		c.t.Fatalf("client step: %v", err)
	}
	c.send(`<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">` + base64.StdEncoding.EncodeToString(final) + `</response>`)
	e = c.recv()
	if e.Is(ns.SASL, "success") {
		v, _ := base64.StdEncoding.DecodeString(e.Text)
		if _, _, err := neg.Step(v); err != nil {
			c.t.Fatalf("server signature: %v", err)
		}
	}
	return e
}

// bindAfterSASL restarts the stream for host and binds; it returns the JID.
func (c *wsClient) bindAfterSASL(host string) string {
	c.t.Helper()
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="` + host + `" version="1.0"/>`)
	c.recv()
	if f := c.recv(); f.Child(ns.Bind, "bind") == nil {
		c.t.Fatalf("post-SASL features: %s", f)
	}
	c.send(`<iq xmlns="jabber:client" type="set" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	c.jid = c.recvID("b1").Child(ns.Bind, "bind").Child(ns.Bind, "jid").Text
	return c.jid
}

// failureText returns the condition and text of a SASL failure.
func failureText(e *dom.Element) (string, string) {
	if !e.Is(ns.SASL, "failure") || e.FirstChild() == nil {
		return "", ""
	}
	text := ""
	if t := e.Child(ns.SASL, "text"); t != nil {
		text = t.Text
	}
	return e.FirstChild().Local, text
}
