package xmpp

import (
	"strings"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// TestPresenceBounds is issue 11 defect 2 and reliability row A8: a join
// with a nickname holding a bidi override used to get no answer at all, and
// 200 KiB nicknames and display names were fanned out to the room. Each
// bad presence now gets an error presence from the room; the occupants see
// nothing of it, and the sender's session goes on.
func TestPresenceBounds(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	focus := focusRoom(t, env)
	bob := joinClient(t, env, "bob")
	recvLocalWhere(t, focus, "bob's join", func(e *dom.Element) bool { return e.Attr("from") == room+"/bob" })
	big := strings.Repeat("x", 20<<10) // over the 16 KiB bound; 200 KiB nicks were sent in the audit
	cases := []struct {
		name, stanza, cond, from string
	}{
		{"bidi override in nick", `<presence xmlns="jabber:client" to="` + room + "/mallory\u202Egnp.exe" + `"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
			"not-acceptable", room},
		{"isolate in nick", `<presence xmlns="jabber:client" to="` + room + "/a\u2066b" + `"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
			"not-acceptable", room},
		{"long nick", `<presence xmlns="jabber:client" to="` + room + "/" + strings.Repeat("n", 200) + `"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
			"not-acceptable", room},
		{"10 KB display name", `<presence xmlns="jabber:client" to="` + room + `/eve"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">` +
			strings.Repeat("N", 10<<10) + `</nick></presence>`, "not-acceptable", room + "/eve"},
		{"bidi in display name", `<presence xmlns="jabber:client" to="` + room + `/eve"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">` +
			"host\u202E" + `</nick></presence>`, "not-acceptable", room + "/eve"},
		{"20 KiB payload", `<presence xmlns="jabber:client" to="` + room + `/eve"><x xmlns="http://jabber.org/protocol/muc"/><stats-id>` + big + `</stats-id></presence>`,
			"policy-violation", room + "/eve"},
		{"malformed to", `<presence xmlns="jabber:client" to="a@b@c/d"/>`, "jid-malformed", ""},
	}
	eve := env.dial()
	eve.login()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eve.t = t
			eve.send(strings.Replace(tc.stanza, "<presence ", `<presence id="p1" `, 1))
			e := eve.recvID("p1")
			if e.Local != "presence" || e.Attr("type") != "error" || e.Attr("from") != tc.from ||
				e.Child(ns.Client, "error").Child(ns.StanzaErr, tc.cond) == nil {
				t.Fatalf("want %s error presence from %q, got %s", tc.cond, tc.from, trim(e))
			}
		})
	}
	eve.t = t
	eve.send(joinPresence(room + "/eve")) // the sender may still join properly
	eve.recvWhere("eve's self presence", isSelfPresence)
	for {
		p := recvLocal(t, focus)
		if from := p.Attr("from"); from == room+"/eve" {
			if n := p.Child(ns.Nick, "nick"); n == nil || n.Text != "Alice" {
				t.Fatalf("focus got a bad presence: %s", trim(p))
			}
			break
		}
	}
	bob.ping("alive")
}

// TestSessionByteRate is issue 11 defect 2: a session sending large
// stanzas is read at its byte rate, while another session is served at
// once.
func TestSessionByteRate(t *testing.T) {
	leakCheck(t)
	const rate = 64 << 10
	env := newEnv(t, func(c *Config) { c.Limits.BytesPerSecond, c.MaxStanzaBytes = rate, 64<<10 })
	flooder, other := env.dial(), env.dial()
	flooder.login()
	other.login()
	pad := strings.Repeat("p", 28<<10) // 7 frames of the client's 4 KiB
	start := time.Now()
	const n = 8 // 224 KiB: at least 2.5 s at 64 KiB/s after a 64 KiB burst
	for i := 0; i < n; i++ {
		flooder.send(`<iq xmlns="jabber:client" type="get" to="localhost" id="b` + string(rune('0'+i)) + `"><ping xmlns="urn:xmpp:ping"><pad>` + pad + `</pad></ping></iq>`)
	}
	other.ping("served")
	if d := time.Since(start); d > 2*time.Second {
		t.Logf("note: the other session waited %v (loaded machine?)", d)
	}
	flooder.recvID("b" + string(rune('0'+n-1)))
	if d := time.Since(start); d < 2*time.Second {
		t.Fatalf("%d × 28 KiB answered in %v: no byte rate", n, d)
	}
}

func trim(e *dom.Element) string {
	s := e.String()
	if len(s) > 300 {
		s = s[:300] + "…"
	}
	return s
}
