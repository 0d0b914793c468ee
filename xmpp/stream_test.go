package xmpp

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/ns"
)

var anonJID = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}@localhost/[0-9a-f]+$`)

func TestLoginBind(t *testing.T) {
	env := newEnv(t)
	a, b := env.dial(), env.dial()
	ja, jb := a.login(), b.login()
	for _, j := range []string{ja, jb} {
		if !anonJID.MatchString(j) {
			t.Errorf("bound JID %q is not uuid@localhost/resource", j)
		}
	}
	if ja == jb {
		t.Fatalf("two sessions got the same JID %q", ja)
	}
	a.ping("p1")
	a.send(`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	if raw := a.recvRaw(); raw != wsClose {
		t.Fatalf("close answered with %q", raw)
	}
	b.ping("p2")
}

func TestServerIQ(t *testing.T) {
	env := newEnv(t)
	c := env.dial()
	c.login()
	tests := []struct {
		name, iq, wantType, wantCond, wantFrom string
	}{
		{"ping", `<iq type="get" to="localhost" id="x"><ping xmlns="urn:xmpp:ping"/></iq>`, "result", "", "localhost"},
		{"session", `<iq type="set" id="x"><session xmlns="urn:ietf:params:xml:ns:xmpp-session"/></iq>`, "result", "", ""},
		{"disco info", `<iq type="get" to="localhost" id="x"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "result", "", "localhost"},
		{"extdisco", `<iq type="get" to="localhost" id="x"><services xmlns="urn:xmpp:extdisco:2"/></iq>`, "result", "", "localhost"},
		{"unknown payload", `<iq type="get" to="localhost" id="x"><foo xmlns="urn:example:foo"/></iq>`, "error", "feature-not-implemented", "localhost"},
		{"remote domain", `<iq type="get" to="example.org" id="x"><ping xmlns="urn:xmpp:ping"/></iq>`, "error", "remote-server-not-found", "example.org"},
		{"absent user", `<iq type="get" to="nobody@localhost/r" id="x"><ping xmlns="urn:xmpp:ping"/></iq>`, "error", "service-unavailable", "nobody@localhost/r"},
		{"bad jid", `<iq type="get" to="a@b@c" id="x"><ping xmlns="urn:xmpp:ping"/></iq>`, "error", "jid-malformed", ""},
		{"focus not attached", `<iq type="set" to="focus.localhost" id="x"><conference xmlns="http://jitsi.org/protocol/focus"/></iq>`, "error", "service-unavailable", "focus.localhost"},
		{"muc service", `<iq type="get" to="conference.localhost" id="x"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "result", "", "conference.localhost"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := "iq" + string(rune('a'+i))
			c.send(`<iq xmlns="jabber:client"` + strings.TrimPrefix(strings.Replace(tc.iq, `id="x"`, `id="`+id+`"`, 1), "<iq"))
			r := c.recvID(id)
			if r.Attr("type") != tc.wantType {
				t.Fatalf("type %q, want %q: %s", r.Attr("type"), tc.wantType, r)
			}
			if tc.wantFrom != "" && r.Attr("from") != tc.wantFrom {
				t.Errorf("from %q, want %q", r.Attr("from"), tc.wantFrom)
			}
			if r.Attr("to") != c.jid {
				t.Errorf("to %q, want %q", r.Attr("to"), c.jid)
			}
			if tc.wantCond != "" && r.Child(ns.Client, "error").Child(ns.StanzaErr, tc.wantCond) == nil {
				t.Errorf("want condition %s: %s", tc.wantCond, r)
			}
		})
	}
	t.Run("disco lists ping", func(t *testing.T) {
		c.send(`<iq xmlns="jabber:client" type="get" to="localhost" id="d1"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
		q := c.recvID("d1").Child(ns.DiscoInfo, "query")
		found := false
		for _, f := range q.ChildrenNamed(ns.DiscoInfo, "feature") {
			found = found || f.Attr("var") == ns.Ping
		}
		if !found {
			t.Fatalf("disco#info lacks urn:xmpp:ping: %s", q)
		}
	})
}

func TestKeepAliveGET(t *testing.T) {
	env := newEnv(t)
	resp, err := env.hts.Client().Get(env.hts.URL)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("plain GET: %d", resp.StatusCode)
	}
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	if conn, _, err := d.Dial(env.url, nil); err == nil {
		_ = conn.Close()
		t.Fatal("upgrade without the xmpp subprotocol was accepted")
	}
}

// TestBadInput: each input ends only its own stream with the right error;
// a bystander session keeps working.
func TestBadInput(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.MaxStanzaBytes = 8 << 10 })
	bystander := env.dial()
	bystander.login()
	open := `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`
	tests := []struct {
		name   string
		login  bool
		input  []string
		binary bool
		want   string
	}{
		{"malformed", true, []string{`<iq xmlns="jabber:client" type="get" id="1"><ping></iq>`}, false, "not-well-formed"},
		{"two elements", true, []string{`<presence xmlns="jabber:client"/><presence xmlns="jabber:client"/>`}, false, "not-well-formed"},
		{"doctype", false, []string{`<!DOCTYPE lol [<!ENTITY a "aaaa">]><open xmlns="urn:ietf:params:xml:ns:xmpp-framing" version="1.0"/>`}, false, "restricted-xml"},
		{"comment", true, []string{`<message xmlns="jabber:client"><!-- hi --></message>`}, false, "restricted-xml"},
		{"processing instruction", true, []string{`<message xmlns="jabber:client"><?foo bar?></message>`}, false, "restricted-xml"},
		{"oversized", true, []string{`<message xmlns="jabber:client" to="localhost"><body>` + strings.Repeat("x", 9<<10) + `</body></message>`}, false, "policy-violation"},
		{"wrong namespace", true, []string{`<iq xmlns="urn:example:evil" type="get" id="1"/>`}, false, "invalid-namespace"},
		{"unknown top-level", true, []string{`<foo xmlns="jabber:client"/>`}, false, "unsupported-stanza-type"},
		{"stanza before auth", false, []string{open, `<message xmlns="jabber:client" to="x@localhost"><body>hi</body></message>`}, false, "not-authorized"},
		{"stanza before open", false, []string{`<presence xmlns="jabber:client"/>`}, false, "not-authorized"},
		{"wrong host", false, []string{`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="example.org" version="1.0"/>`}, false, "host-unknown"},
		{"binary frame", true, []string{`<presence xmlns="jabber:client"/>`}, true, "unsupported-encoding"},
		{"deep nesting", true, []string{strings.Repeat("<a>", 100) + strings.Repeat("</a>", 100)}, false, "policy-violation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.dial()
			if tc.login {
				c.login()
			}
			for _, in := range tc.input {
				typ := websocket.TextMessage
				if tc.binary {
					typ = websocket.BinaryMessage
				}
				if err := c.conn.WriteMessage(typ, []byte(in)); err != nil {
					t.Fatalf("write: %v", err)
				}
			}
			if got := c.expectStreamError(); got != tc.want {
				t.Fatalf("stream error %q, want %q", got, tc.want)
			}
			bystander.ping("alive-" + tc.name)
		})
	}
}

func TestPreAuthTimeout(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.PreAuthTimeout = 300 * time.Millisecond })
	c := env.dial()
	if got := c.expectStreamError(); got != "connection-timeout" {
		t.Fatalf("stream error %q, want connection-timeout", got)
	}
	ok := env.dial()
	ok.login()
	time.Sleep(600 * time.Millisecond) // past the timeout: a bound session must stay
	ok.ping("after")
}

// TestLargeStanzaOneMessage: a 6 KB Jingle-sized stanza leaves as one
// WebSocket message.
func TestLargeStanzaOneMessage(t *testing.T) {
	env := newEnv(t)
	c := env.dial()
	to := c.login()
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	big := strings.Repeat("a=candidate:1 1 udp 2130706431 127.0.0.1 10000 typ host ", 110)
	sendLocal(t, focus, `<message xmlns="jabber:client" to="`+to+`" id="big"><body>`+big+`</body></message>`)
	raw := c.recvRaw()
	if len(raw) < 6000 {
		t.Fatalf("message only %d bytes", len(raw))
	}
	e, err := parseFrame([]byte(raw))
	if err != nil || e.Attr("id") != "big" || e.Child(ns.Client, "body").Text != big {
		t.Fatalf("large stanza not one whole element (%v)", err)
	}
	if e.Attr("from") != "focus@auth.localhost/focus" {
		t.Errorf("from %q", e.Attr("from"))
	}
}

func TestFromStamped(t *testing.T) {
	env := newEnv(t)
	c := env.dial()
	c.login()
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	c.send(`<message xmlns="jabber:client" from="jvb@auth.localhost/jvb1" to="focus@auth.localhost/focus" id="m1"><body>x</body></message>`)
	m := recvLocal(t, focus)
	if m.Attr("from") != c.jid {
		t.Fatalf("spoofed from kept: %q", m.Attr("from"))
	}
	c.send(`<iq xmlns="jabber:client" type="set" to="focus.localhost" id="c1"><conference xmlns="http://jitsi.org/protocol/focus" room="r@conference.localhost"/></iq>`)
	iq := recvLocal(t, focus)
	if iq.Attr("to") != "focus.localhost" || iq.Attr("from") != c.jid {
		t.Fatalf("alias delivery: %s", iq)
	}
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="result" from="focus.localhost" to="`+c.jid+`" id="c1"/>`)
	if r := c.recvID("c1"); r.Attr("from") != "focus.localhost" {
		t.Fatalf("alias from not kept: %s", r)
	}
}
