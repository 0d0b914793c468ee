package xmpp

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// TestBadStreamInput covers the rows of docs/bad-input.md#x1 (X1–X4) and
// T3 that TestBadInput does not: each input ends only its own stream
// with the stated error, a bystander keeps working, and no goroutine is
// left behind.
func TestBadStreamInput(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	bystander := env.dial()
	bystander.login()
	msg := func(inner string) string {
		return `<message xmlns="jabber:client" to="localhost">` + inner + `</message>`
	}
	tests := []struct {
		name, input, want string
	}{
		{"X1 unclosed tag", msg(`<body>`), "not-well-formed"},
		{"X1 mismatched end tag", `<message xmlns="jabber:client"><body></bodi></message>`, "not-well-formed"},
		{"X1 bad UTF-8", msg("<body>\xff\xfe</body>"), "not-well-formed"},
		{"X1 NUL", msg("<body>a\x00b</body>"), "not-well-formed"},
		{"X1 undeclared prefix", msg(`<evil:body>x</evil:body>`), "not-well-formed"},
		{"X2 billion laughs", `<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;">]>` + msg(`<body>&lol2;</body>`), "restricted-xml"},
		{"X2 external entity", `<!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>` + msg(`<body>&e;</body>`), "restricted-xml"},
		{"X2 undefined entity", msg(`<body>&lol;</body>`), "not-well-formed"},
		{"X3 comment at top", `<!-- c -->` + msg(""), "restricted-xml"},
		{"X3 PI at top", `<?xml-stylesheet href="x"?>` + msg(""), "restricted-xml"},
		{"X4 300 KiB stanza", msg("<body>" + strings.Repeat("x", 300<<10) + "</body>"), "policy-violation"},
		{"X4 giant attribute", `<message xmlns="jabber:client" id="` + strings.Repeat("a", 300<<10) + `"/>`, "policy-violation"},
		{"X4 1 MB text node", msg("<body>" + strings.Repeat("y", 1<<20) + "</body>"), "policy-violation"},
		{"X4 100000-deep nesting", strings.Repeat("<a>", 100000) + strings.Repeat("</a>", 100000), "policy-violation"},
		{"X4 deep but small", msg(strings.Repeat("<a>", 2000) + strings.Repeat("</a>", 2000)), "policy-violation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := env.dial()
			c.login()
			if got := c.sendBad(tc.input); got != tc.want {
				t.Fatalf("stream error %q, want %q", got, tc.want)
			}
			bystander.ping("alive")
		})
	}
}

// TestLargeLegalOffer covers X5: a legal but large Jingle-sized stanza (20
// sources with simulcast groups, many codecs) passes untouched.
func TestLargeLegalOffer(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	c := env.dial()
	c.login()
	var b strings.Builder
	b.WriteString(`<jingle xmlns="urn:xmpp:jingle:1" action="session-accept" sid="s1"><content name="video"><description xmlns="urn:xmpp:jingle:apps:rtp:1" media="video">`)
	for pt := 96; pt < 127; pt++ {
		fmt.Fprintf(&b, `<payload-type id="%d" name="VP8" clockrate="90000"><rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="nack"/><rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="ccm" subtype="fir"/></payload-type>`, pt)
	}
	for i := 0; i < 20; i++ {
		fmt.Fprintf(&b, `<source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%d" name="abcd1234-v%d"><parameter name="msid" value="stream-%d track-%d"/></source>`, 1000+i, i, i, i)
	}
	for i := 0; i < 6; i++ {
		fmt.Fprintf(&b, `<ssrc-group xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" semantics="SIM"><source ssrc="%d"/><source ssrc="%d"/><source ssrc="%d"/></ssrc-group>`, 1000+3*i, 1001+3*i, 1002+3*i)
	}
	b.WriteString(`</description></content></jingle>`)
	c.send(`<iq xmlns="jabber:client" type="set" to="focus@auth.localhost/focus" id="big">` + b.String() + `</iq>`)
	// Guests may not send requests to service accounts (X7), so the
	// offer is sent as a message payload to the focus alias domain.
	c.recvID("big")
	c.send(`<message xmlns="jabber:client" to="focus.localhost" id="bigm">` + b.String() + `</message>`)
	m := recvLocalWhere(t, focus, "offer", func(e *dom.Element) bool { return e.Attr("id") == "bigm" })
	if got := len(m.Child("urn:xmpp:jingle:1", "jingle").String()); got < b.Len()-100 {
		t.Fatalf("offer shrank from %d to %d bytes", b.Len(), got)
	}
}

// TestForgedFromInRoom covers X6 for MUC traffic: a forged from (another
// occupant, the focus, the bridge) is replaced by the session's JID, so
// the room attributes the message to the real sender.
func TestForgedFromInRoom(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	focusRoom(t, env)
	alice, bob := joinClient(t, env, "alice"), joinClient(t, env, "bob")
	for _, forged := range []string{bob.jid, "focus@auth.localhost/focus", "jvb@auth.localhost/jvb1", room + "/focus"} {
		alice.send(`<message xmlns="jabber:client" type="groupchat" from="` + forged + `" to="` + room + `" id="g"><body>hi</body><nick xmlns="http://jabber.org/protocol/nick">Focus</nick></message>`)
		m := bob.recvWhere("groupchat", func(e *dom.Element) bool { return e.Local == "message" && e.Attr("id") == "g" })
		if m.Attr("from") != room+"/alice" || m.Child(ns.Nick, "nick") != nil {
			t.Fatalf("forged %s: %s", forged, m)
		}
	}
}

// TestWebSocketRules covers the rest of docs/bad-input.md#t3 and T4: the xmpp
// subprotocol is required, and a peer that never answers pings is closed
// after the idle timeout while others stay.
func TestWebSocketRules(t *testing.T) {
	leakCheck(t)
	if d := testConfig().withDefaults().IdleTimeout; d != 60*time.Second {
		t.Fatalf("default idle timeout %v, docs/bad-input.md#t4 says 60 s", d) // issue 11 defect 9: was 90 s
	}
	env := newEnv(t, func(c *Config) { c.IdleTimeout = time.Second })
	d := websocket.Dialer{HandshakeTimeout: waitTimeout}
	if conn, resp, err := d.Dial(env.url, nil); err == nil {
		_ = conn.Close()
		t.Fatal("upgrade without the xmpp subprotocol accepted")
	} else if resp == nil || resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("no subprotocol: %v", err)
	} else {
		_ = resp.Body.Close()
	}
	deaf, live := env.dial(), env.dial()
	deaf.login()
	live.login()
	// deaf stops reading, so it never answers the server's pings.
	for i := 0; i < 8; i++ {
		time.Sleep(250 * time.Millisecond)
		live.ping(fmt.Sprintf("p%d", i))
	}
	_ = deaf.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := deaf.conn.ReadMessage(); err != nil {
			break
		}
	}
	live.ping("after")
}

// sendBad sends input and returns the stream error condition that ended
// the stream. A frame over twice the stanza limit is cut off by the
// WebSocket layer (close 1009, message too big) before it is read; that
// counts as policy-violation.
func (c *wsClient) sendBad(input string) string {
	c.t.Helper()
	if err := c.conn.WriteMessage(websocket.TextMessage, []byte(input)); err != nil {
		return "policy-violation" // the server closed while the frame was in flight
	}
	_ = c.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	cond := ""
	for {
		_, b, err := c.conn.ReadMessage()
		if websocket.IsCloseError(err, websocket.CloseMessageTooBig) {
			return "policy-violation"
		}
		if err != nil {
			return cond
		}
		if strings.HasPrefix(string(b), "<stream:error") {
			if e, err := dom.Parse(b); err == nil && e.FirstChild() != nil {
				cond = e.FirstChild().Local
			}
		}
	}
}
