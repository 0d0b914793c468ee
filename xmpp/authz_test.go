package xmpp

import (
	"testing"

	"meetd/xmpp/ns"
)

// TestGuestCannotReachServices covers docs/bad-input.md#x7: guests' IQs
// to the focus and bridge accounts and to the brewery fail, and the
// internal MUC is not listed to them.
func TestGuestCannotReachServices(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	env.attach("focus@auth.localhost/focus", "focus.localhost")
	env.attach("jvb@auth.localhost/jvb1")
	c := env.dial()
	c.login()
	for i, to := range []string{"focus@auth.localhost/focus", "jvb@auth.localhost/jvb1", "jvb@auth.localhost",
		"jvbbrewery@internal.auth.localhost", "jvbbrewery@internal.auth.localhost/jvb1"} {
		id := string(rune('a' + i))
		c.send(`<iq xmlns="jabber:client" type="set" to="` + to + `" id="` + id + `"><conference-modify xmlns="jitsi:colibri2"/></iq>`)
		r := c.recvID(id)
		if r.Child(ns.Client, "error").Child(ns.StanzaErr, "service-unavailable") == nil {
			t.Fatalf("IQ to %s: %s", to, r)
		}
	}
	for _, to := range []string{"localhost", "conference.localhost"} {
		c.send(`<iq xmlns="jabber:client" type="get" to="` + to + `" id="i-` + to + `"><query xmlns="http://jabber.org/protocol/disco#items"/></iq>`)
		for _, it := range c.recvID("i-"+to).Child(ns.DiscoItems, "query").ChildrenNamed(ns.DiscoItems, "item") {
			if it.Attr("jid") != "conference.localhost" {
				t.Fatalf("%s lists %s", to, it.Attr("jid"))
			}
		}
	}
}

// TestMayJoin: a throttled join whose session has gone is dropped; senders
// that are not users of this server (components) are not token-checked.
func TestMayJoin(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	c := env.dial()
	j := mustParseJID(t, c.login())
	if !env.srv.mayJoin(j, "room1") {
		t.Fatal("connected guest refused")
	}
	if env.srv.mayJoin(mustParseJID(t, "gone@localhost/r"), "room1") {
		t.Fatal("join for a session that is gone accepted")
	}
	if !env.srv.mayJoin(mustParseJID(t, "svc.localhost"), "room1") {
		t.Fatal("component refused")
	}
}
