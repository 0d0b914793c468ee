package xmpp

import (
	"strings"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const lobbyRoomJID = "room1@lobby.localhost"

// TestLobbyOverStreams runs the lobby through the server with WebSocket
// clients (docs/lobby.md): the domain announces the lobby, the first client
// enters, the next is sent to the lobby, lobby chat reaches the moderator
// with the server's address even when the sender forges one, a knocker
// cannot write to another knocker, and the moderator's invite admits (bad
// input A4, A9).
func TestLobbyOverStreams(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.Lobby = Lobby{Domain: "lobby.localhost", ByDefault: true} })
	focus := focusRoom(t, env)
	mod := joinClient(t, env, "mod")
	mod.send(`<iq xmlns="jabber:client" type="get" to="localhost" id="disco"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`)
	if res := mod.recvID("disco"); !strings.Contains(res.String(), `type="lobbyrooms" name="lobby.localhost"`) {
		t.Fatalf("no lobbyrooms identity: %s", res)
	}
	bare := strings.SplitN(mod.jid, "/", 2)[0]
	sendLocal(t, focus, `<iq xmlns="jabber:client" type="set" to="`+room+`" id="own"><query xmlns="http://jabber.org/protocol/muc#admin">`+
		`<item affiliation="owner" jid="`+bare+`"/></query></iq>`)
	recvLocalWhere(t, focus, "owner grant", func(e *dom.Element) bool { return e.Attr("id") == "own" })
	mod.send(joinPresence(lobbyRoomJID + "/mod"))
	mod.recvWhere("lobby self presence", isSelfPresence)

	guest, other := env.dial(), env.dial()
	for _, c := range []*wsClient{guest, other} {
		c.login()
		c.send(joinPresence(room + "/" + c.jid[:8]))
		e := c.recvWhere("join error", func(e *dom.Element) bool { return e.Attr("type") == "error" })
		if !strings.Contains(e.String(), "registration-required") || !strings.Contains(e.String(), lobbyRoomJID) {
			t.Fatalf("not sent to the lobby: %s", e)
		}
		c.send(joinPresence(lobbyRoomJID + "/" + c.jid[:8]))
		c.recvWhere("lobby self presence", isSelfPresence)
	}
	knock := mod.recvWhere("knock", func(e *dom.Element) bool {
		return e.Local == "presence" && e.Attr("from") == lobbyRoomJID+"/"+guest.jid[:8]
	})
	if mucItem(knock).Attr("jid") != guest.jid {
		t.Fatalf("knock without the real JID: %s", knock)
	}

	guest.send(`<message xmlns="jabber:client" type="chat" from="` + room + `/focus" to="` + lobbyRoomJID + `/mod">` +
		`<body>let me in</body><nick xmlns="http://jabber.org/protocol/nick">Moderator</nick></message>`)
	msg := mod.recvWhere("lobby chat", func(e *dom.Element) bool { return e.Local == "message" })
	if msg.Attr("from") != lobbyRoomJID+"/"+guest.jid[:8] || msg.Child(ns.Nick, "nick") != nil ||
		msg.Child(ns.Client, "body").Text != "let me in" {
		t.Fatalf("lobby chat as delivered: %s", msg)
	}
	guest.send(`<message xmlns="jabber:client" type="chat" id="x" to="` + lobbyRoomJID + `/` + other.jid[:8] + `"><body>psst</body></message>`)
	if e := guest.recvID("x"); !strings.Contains(e.String(), "forbidden") {
		t.Fatalf("knocker to knocker: %s", e)
	}

	mod.send(`<message xmlns="jabber:client" to="` + room + `"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="` + guest.jid + `"/></x></message>`)
	inv := guest.recvWhere("invite", func(e *dom.Element) bool { return e.Local == "message" && e.Attr("from") == room })
	if inv.Child(ns.MUCUser, "x").Child(ns.MUCUser, "invite") == nil {
		t.Fatalf("invite: %s", inv)
	}
	guest.send(joinPresence(room + "/" + guest.jid[:8]))
	guest.recvWhere("main room self presence", func(e *dom.Element) bool {
		return isSelfPresence(e) && e.Attr("from") == room+"/"+guest.jid[:8]
	})
}
