package muc

import (
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
)

// FuzzLobbyStanzas sends arbitrary stanzas from a guest to the room, the
// lobby room and the lobby service while a moderator and a knocker are in
// the lobby: no panic, and the guest never becomes an occupant of the main
// room without a moderator's invite, nor a moderator of the lobby.
func FuzzLobbyStanzas(f *testing.F) {
	for _, seed := range []string{
		`<presence xmlns="jabber:client" to="r@lobby.example/g"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
		`<presence xmlns="jabber:client" to="r@muc.example/g"><x xmlns="http://jabber.org/protocol/muc"><password>x</password></x></presence>`,
		`<message xmlns="jabber:client" to="r@muc.example"><x xmlns="http://jabber.org/protocol/muc#user"><invite to="eve@example/e"/></x></message>`,
		`<message xmlns="jabber:client" type="chat" to="r@lobby.example/bob"><body>hi</body></message>`,
		`<message xmlns="jabber:client" type="groupchat" to="r@lobby.example"><body>all</body></message>`,
		`<iq xmlns="jabber:client" type="set" id="1" to="r@lobby.example"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="bob" role="none"/></query></iq>`,
		`<iq xmlns="jabber:client" type="set" id="2" to="r@muc.example"><query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="submit"><field var="muc#roomconfig_membersonly"><value>0</value></field></x></query></iq>`,
		`<iq xmlns="jabber:client" type="get" id="3" to="lobby.example"><query xmlns="http://jabber.org/protocol/disco#info" node="lobbyrooms"/></iq>`,
		`<presence xmlns="jabber:client" type="unavailable" to="r@lobby.example/g"/>`,
	} {
		f.Add(seed)
	}
	const eve = "eve@example/e"
	f.Fuzz(func(t *testing.T, xml string) {
		st, err := dom.Parse([]byte(xml))
		if err != nil {
			return
		}
		s, _ := lobbyWithModerator(t)
		knock(s, alice, "alice", "Alice")
		knock(s, bob, "bob", "Bob")
		st.SetAttr("from", eve)
		s.Handle(st)
		s.Handle(fromStanza(eve, `<presence xmlns="jabber:client" to="`+rm+`/eve"><x xmlns="http://jabber.org/protocol/muc"/></presence>`))
		for _, n := range s.Occupants("r") {
			if n == "eve" {
				t.Fatalf("eve entered without an invite: %s", xml)
			}
		}
		if s.lobbyModerator(s.rooms["r"], jid.MustParse(eve)) {
			t.Fatalf("eve became a lobby moderator: %s", xml)
		}
	})
}
