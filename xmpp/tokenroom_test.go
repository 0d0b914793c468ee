package xmpp

import (
	"strings"
	"testing"

	"meetd/xmpp/ns"
)

// TestTokenOnlyRoom: a room Auth.TokenOnlyRoom names refuses guests (the
// conference request and the MUC join) and tokens for other rooms, takes
// a token for it, and leaves other rooms open to guests; the focus (a
// service account) is not refused.
func TestTokenOnlyRoom(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withJWT(false), func(c *Config) {
		c.Auth.TokenOnlyRoom = func(r string) bool { return strings.HasPrefix(r, "s-") }
	})
	focusRoom(t, env) // the focus component answers conference requests
	if !env.srv.mayJoin(mustParseJID(t, "focus@auth.localhost/focus"), "s-appt") {
		t.Fatal("the focus is refused a token-only room")
	}
	guest := env.dial()
	gj := mustParseJID(t, guest.login())
	if env.srv.mayJoin(gj, "s-appt") {
		t.Error("a guest may join a token-only room")
	}
	if !env.srv.mayJoin(gj, "room1") {
		t.Error("a guest is refused an ordinary room")
	}
	guest.send(`<iq xmlns="jabber:client" type="set" to="focus.localhost" id="g1"><conference xmlns="http://jitsi.org/protocol/focus" room="s-appt@conference.localhost"/></iq>`)
	if r := guest.recvID("g1"); r.Child(ns.Client, "error").Child(ns.StanzaErr, "not-authorized") == nil {
		t.Fatalf("guest's conference IQ for a token-only room: %s", r)
	}
	for _, tc := range []struct {
		room string
		want bool
	}{{"s-appt", true}, {"s-other", false}} {
		c, _ := env.dialQ("token="+signHS(t, with(goodClaims(), "room", tc.room), []byte(testSecret)), "")
		c.openStream("localhost")
		c.auth("ANONYMOUS", nil)
		j := mustParseJID(t, c.bindAfterSASL("localhost"))
		if got := env.srv.mayJoin(j, "s-appt"); got != tc.want {
			t.Errorf("token for %s: mayJoin(s-appt) = %v", tc.room, got)
		}
		if env.srv.directEntry(j, "s-appt") {
			t.Errorf("token for %s passes the lobby without TokenRoomDirect", tc.room)
		}
		env.srv.cfg.Auth.TokenRoomDirect = true
		if got := env.srv.directEntry(j, "s-appt"); got != tc.want {
			t.Errorf("token for %s: directEntry(s-appt) = %v with TokenRoomDirect", tc.room, got)
		}
		env.srv.cfg.Auth.TokenRoomDirect = false
		if tc.want {
			// The client's token is not a host's: its conference request
			// waits until the host has started the room.
			c.send(`<iq xmlns="jabber:client" type="set" to="focus.localhost" id="c1"><conference xmlns="http://jitsi.org/protocol/focus" room="s-appt@conference.localhost"/></iq>`)
			if r := c.recvID("c1"); r.Child(ns.Client, "error").Child(ns.StanzaErr, "not-authorized") == nil {
				t.Fatalf("client's conference IQ before the host: %s", r)
			}
		}
	}
}
