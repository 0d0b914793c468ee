package xmpp

import (
	"strings"
	"testing"

	"meetd/xmpp/dom"
)

// TestHiddenDomainRecorder: the focus's in-process session, aliasing the
// hidden domain, adds a recorder occupant (recorder@<hidden>/<session>) to a
// room whose lobby is on; it passes the lobby as the focus does, the room
// shows its real JID (which is how clients recognise the hidden domain), and
// a client cannot send from the hidden domain: the server stamps its own
// address, so its join waits in the lobby.
func TestHiddenDomainRecorder(t *testing.T) {
	env := newEnv(t, func(c *Config) {
		c.Lobby = Lobby{Domain: "lobby.localhost", ByDefault: true}
		c.HiddenDomain = "recorder.localhost"
	})
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost", "recorder.localhost")
	sendLocal(t, focus, joinPresence(room+"/focus"))
	recvLocalWhere(t, focus, "focus self presence", isSelfPresence)

	joinClient(t, env, "mod") // the first client enters; the lobby holds the next ones
	const recorder = "recorder@recorder.localhost/sess-1"
	sendLocal(t, focus, `<presence xmlns="jabber:client" from="`+recorder+`" to="`+room+`/recorder">`+
		`<x xmlns="http://jabber.org/protocol/muc"/><session_id>sess-1</session_id></presence>`)
	var self, seen *dom.Element
	for self == nil || seen == nil {
		e := recvLocalWhere(t, focus, "the recorder's presences", func(e *dom.Element) bool {
			return e.Local == "presence" && e.Attr("from") == room+"/recorder"
		})
		if e.Attr("to") == recorder {
			self = e
		} else {
			seen = e
		}
	}
	if self.Attr("type") != "" || !isSelfPresence(self) {
		t.Fatalf("recorder join refused: %s", self)
	}
	if seen.Attr("to") != focus.JID() || mucItem(seen).Attr("jid") != recorder || seen.Child("", "session_id") == nil {
		t.Fatalf("the recorder as the focus sees it: %s", seen)
	}

	c := env.dial()
	c.login()
	c.send(`<presence xmlns="jabber:client" from="recorder@recorder.localhost/x" to="` + room + `/fake">` +
		`<x xmlns="http://jabber.org/protocol/muc"/></presence>`)
	e := c.recvWhere("join answer", func(e *dom.Element) bool { return e.Local == "presence" })
	if e.Attr("type") != "error" || !strings.Contains(e.String(), "registration-required") {
		t.Fatalf("a client claiming the hidden domain got past the lobby: %s", e)
	}
}
