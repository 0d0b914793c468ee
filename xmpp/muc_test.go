package xmpp

import (
	"slices"
	"strings"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const room = "room1@conference.localhost"

func joinPresence(to string) string {
	return `<presence xmlns="jabber:client" to="` + to + `"><x xmlns="http://jabber.org/protocol/muc"/>` +
		`<stats-id>Abc</stats-id><nick xmlns="http://jabber.org/protocol/nick">Alice</nick></presence>`
}

func mucItem(p *dom.Element) *dom.Element {
	return p.Child(ns.MUCUser, "x").Child(ns.MUCUser, "item")
}

func statusCodes(p *dom.Element) []string {
	var codes []string
	for _, s := range p.Child(ns.MUCUser, "x").ChildrenNamed(ns.MUCUser, "status") {
		codes = append(codes, s.Attr("code"))
	}
	return codes
}

func isSelfPresence(p *dom.Element) bool {
	return p.Local == "presence" && slices.Contains(statusCodes(p), "110")
}

// focusRoom attaches the focus and makes it create and configure room.
func focusRoom(t *testing.T, env *testEnv) *LocalSession {
	t.Helper()
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	sendLocal(t, focus, joinPresence(room+"/focus"))
	self := recvLocalWhere(t, focus, "self presence", isSelfPresence)
	codes := statusCodes(self)
	if !slices.Contains(codes, "201") || !slices.Contains(codes, "100") {
		t.Fatalf("creator self-presence codes %v", codes)
	}
	if it := mucItem(self); it.Attr("affiliation") != "owner" || it.Attr("role") != "moderator" ||
		it.Attr("jid") != focus.JID() {
		t.Fatalf("creator item %s", it)
	}
	recvLocalWhere(t, focus, "subject", func(e *dom.Element) bool { return e.Child(ns.Client, "subject") != nil })
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="set" to="`+room+`" id="cfg"><query xmlns="http://jabber.org/protocol/muc#owner">`+
		`<x xmlns="jabber:x:data" type="submit"><field var="muc#roomconfig_whois"><value>anyone</value></field></x></query></iq>`)
	if r := recvLocal(t, focus); r.Attr("id") != "cfg" || r.Attr("type") != "result" {
		t.Fatalf("owner form: %s", r)
	}
	return focus
}

// joinClient logs a WebSocket client in and joins room as nick.
func joinClient(t *testing.T, env *testEnv, nick string) *wsClient {
	t.Helper()
	c := env.dial()
	c.login()
	c.send(joinPresence(room + "/" + nick))
	self := c.recvWhere("self presence", isSelfPresence)
	if self.Attr("from") != room+"/"+nick || mucItem(self).Attr("jid") != c.jid {
		t.Fatalf("self presence %s", self)
	}
	return c
}

func TestMUCJoinAndPresence(t *testing.T) {
	env := newEnv(t)
	focus := focusRoom(t, env)
	c := env.dial()
	c.login()
	c.send(joinPresence(room + "/abcd1234"))
	first := c.recv()
	if first.Attr("from") != room+"/focus" || mucItem(first).Attr("jid") != focus.JID() {
		t.Fatalf("first presence should be the focus with its real JID: %s", first)
	}
	self := c.recv()
	if !isSelfPresence(self) || slices.Contains(statusCodes(self), "201") {
		t.Fatalf("self presence %s", self)
	}
	if mucItem(self).Attr("role") != "participant" || self.Child(ns.Client, "stats-id").Text != "Abc" {
		t.Fatalf("self presence content %s", self)
	}
	if s := c.recv(); s.Child(ns.Client, "subject") == nil {
		t.Fatalf("want subject, got %s", s)
	}
	p := recvLocalWhere(t, focus, "join", func(e *dom.Element) bool { return e.Attr("from") == room+"/abcd1234" })
	if mucItem(p).Attr("jid") != c.jid || p.Child(ns.Nick, "nick").Text != "Alice" || p.Child(ns.MUC, "x") != nil {
		t.Fatalf("join broadcast %s", p)
	}
	// Presence update is broadcast to everyone, sender included.
	c.send(`<presence xmlns="jabber:client" to="` + room + `/abcd1234"><SourceInfo>{}</SourceInfo></presence>`)
	u := recvLocal(t, focus)
	if u.Child(ns.Client, "SourceInfo") == nil || u.Child(ns.Nick, "nick") != nil {
		t.Fatalf("update broadcast %s", u)
	}
	c.recvWhere("own update", func(e *dom.Element) bool { return e.Child(ns.Client, "SourceInfo") != nil })
	// Room disco#info carries the meeting id.
	c.send(`<iq xmlns="jabber:client" type="get" to="` + room + `" id="ri"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	info := c.recvID("ri").Child(ns.DiscoInfo, "query")
	if !strings.Contains(info.String(), "muc#roominfo_meetingId") || !strings.Contains(info.String(), "muc_nonanonymous") {
		t.Fatalf("room info %s", info)
	}
	// Leaving sends unavailable to the others.
	c.send(`<presence xmlns="jabber:client" type="unavailable" to="` + room + `/abcd1234"/>`)
	gone := recvLocal(t, focus)
	if gone.Attr("type") != "unavailable" || gone.Attr("from") != room+"/abcd1234" {
		t.Fatalf("leave %s", gone)
	}
}

func TestMUCJoinErrors(t *testing.T) {
	env := newEnv(t)
	c := env.dial()
	c.login()
	tests := []struct {
		name, to, cond, text string
		setup                func(t *testing.T)
	}{
		{"guest cannot create", "other@conference.localhost/x", "not-allowed", "Room creation is restricted", nil},
		{"guest cannot use internal muc", "jvbbrewery@internal.auth.localhost/x", "service-unavailable", "", nil},
		{"nick conflict", room + "/focus", "conflict", "", func(t *testing.T) { focusRoom(t, env) }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.setup != nil {
				tc.setup(t)
			}
			c.send(joinPresence(tc.to))
			e := c.recvWhere("presence error", func(e *dom.Element) bool { return e.Attr("type") == "error" })
			errEl := e.Child(ns.Client, "error")
			if errEl.Child(ns.StanzaErr, tc.cond) == nil {
				t.Fatalf("want %s: %s", tc.cond, e)
			}
			if tc.text != "" && errEl.Child(ns.StanzaErr, "text").Text != tc.text {
				t.Fatalf("want text %q: %s", tc.text, e)
			}
		})
	}
}

func TestMUCPrivateRouting(t *testing.T) {
	env := newEnv(t)
	focus := focusRoom(t, env)
	c := joinClient(t, env, "abcd1234")
	// focus -> client: Jingle-style IQ, from rewritten to the occupant JID.
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="set" to="`+room+`/abcd1234" id="j1"><jingle xmlns="urn:xmpp:jingle:1" action="session-initiate"/></iq>`)
	iq := c.recvID("j1")
	if iq.Attr("from") != room+"/focus" || iq.Attr("to") != c.jid {
		t.Fatalf("private IQ addressing %s", iq)
	}
	c.send(`<iq xmlns="jabber:client" type="result" to="` + room + `/focus" id="j1"/>`)
	res := recvLocalWhere(t, focus, "result", func(e *dom.Element) bool { return e.Attr("id") == "j1" })
	if res.Attr("from") != room+"/abcd1234" || res.Attr("to") != focus.JID() {
		t.Fatalf("result addressing %s", res)
	}
	// Private chat message.
	c.send(`<message xmlns="jabber:client" type="chat" to="` + room + `/focus" id="pm"><body>hi</body></message>`)
	if m := recvLocal(t, focus); m.Attr("id") != "pm" || m.Attr("from") != room+"/abcd1234" {
		t.Fatalf("private message %s", m)
	}
	// Unknown nick and non-occupant.
	c.send(`<iq xmlns="jabber:client" type="get" to="` + room + `/nobody" id="nf"><ping xmlns="urn:xmpp:ping"/></iq>`)
	if r := c.recvID("nf"); r.Child(ns.Client, "error").Child(ns.StanzaErr, "item-not-found") == nil {
		t.Fatalf("unknown nick %s", r)
	}
	outsider := env.dial()
	outsider.login()
	outsider.send(`<iq xmlns="jabber:client" type="get" to="` + room + `/focus" id="na"><ping xmlns="urn:xmpp:ping"/></iq>`)
	if r := outsider.recvID("na"); r.Child(ns.Client, "error").Child(ns.StanzaErr, "not-acceptable") == nil {
		t.Fatalf("non-occupant %s", r)
	}
	// Groupchat reaches everyone, nick element stripped.
	c.send(`<message xmlns="jabber:client" type="groupchat" to="` + room + `" id="gc"><body>all</body><nick xmlns="http://jabber.org/protocol/nick">Mallory</nick></message>`)
	g := recvLocal(t, focus)
	if g.Attr("from") != room+"/abcd1234" || g.Child(ns.Nick, "nick") != nil {
		t.Fatalf("groupchat %s", g)
	}
	c.recvID("gc")
}

func TestMUCAdminGrantAndDisconnect(t *testing.T) {
	env := newEnv(t)
	focus := focusRoom(t, env)
	c := joinClient(t, env, "abcd1234")
	bare := c.jid[:strings.IndexByte(c.jid, '/')]
	// A participant may not grant.
	c.send(`<iq xmlns="jabber:client" type="set" to="` + room + `" id="g0"><query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="owner" jid="` + bare + `"/></query></iq>`)
	if r := c.recvID("g0"); r.Attr("type") != "error" {
		t.Fatalf("participant grant accepted: %s", r)
	}
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="set" to="`+room+`" id="g1"><query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="owner" jid="`+bare+`"/></query></iq>`)
	p := recvLocalWhere(t, focus, "role change", func(e *dom.Element) bool {
		return e.Local == "presence" && mucItem(e).Attr("affiliation") == "owner"
	})
	if it := mucItem(p); it.Attr("role") != "moderator" || it.Attr("jid") != c.jid {
		t.Fatalf("grant broadcast %s", p)
	}
	if r := recvLocal(t, focus); r.Attr("id") != "g1" || r.Attr("type") != "result" {
		t.Fatalf("grant result %s", r)
	}
	self := c.recvWhere("own role change", isSelfPresence)
	if mucItem(self).Attr("role") != "moderator" {
		t.Fatalf("client not moderator: %s", self)
	}
	// Disconnecting without unavailable still leaves the room.
	_ = c.conn.Close()
	gone := recvLocal(t, focus)
	if gone.Attr("type") != "unavailable" || gone.Attr("from") != room+"/abcd1234" {
		t.Fatalf("disconnect leave %s", gone)
	}
	_ = focus.Close()
	m := env.srv.mucs["conference.localhost"]
	if n := m.Rooms(); n != 0 {
		t.Fatalf("%d rooms left after everyone left", n)
	}
}

func TestMUCBrewery(t *testing.T) {
	env := newEnv(t)
	const brewery = "jvbbrewery@internal.auth.localhost"
	jvb := env.attach("jvb@auth.localhost/jvb1")
	sendLocal(t, jvb, joinPresence(brewery+"/jvb1"))
	recvLocalWhere(t, jvb, "self presence", isSelfPresence)
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	sendLocal(t, focus, joinPresence(brewery+"/focus"))
	recvLocalWhere(t, focus, "self presence", isSelfPresence)
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="set" to="`+brewery+`/jvb1" id="c2"><conference-modify xmlns="jitsi:colibri2" meeting-id="m"/></iq>`)
	iq := recvLocalWhere(t, jvb, "colibri", func(e *dom.Element) bool { return e.Attr("id") == "c2" })
	if iq.Attr("from") != brewery+"/focus" {
		t.Fatalf("colibri from %q", iq.Attr("from"))
	}
}
