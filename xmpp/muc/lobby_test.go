package muc

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const (
	lobbyRoom = "r@lobby.example"
	dave      = "dave@example/d"
	host      = "host@example/h"
)

// newLobbyService is a service with the lobby on by default whose room r
// exists (created by the exempt owner, as the focus does).
func newLobbyService(t *testing.T, lp LobbyPolicy) (*Service, *fakeRouter) {
	t.Helper()
	lp.Domain = "lobby.example"
	lp.ByDefault = true
	return newPolicyService(t, Policy{Lobby: lp,
		Owner: func(j jid.JID) bool { return j.Bare().String() == "host@example" }})
}

// lobbyWithModerator is newLobbyService with alice in the room as owner.
func lobbyWithModerator(t *testing.T) (*Service, *fakeRouter) {
	t.Helper()
	s, fr := newLobbyService(t, LobbyPolicy{})
	joinNamed(s, alice, "alice", "Alice", "")
	makeOwner(s, alice)
	return s, fr
}

// expectJoin joins with a display name and fails unless the join error is
// want ("" for none).
func expectJoin(t *testing.T, s *Service, fr *fakeRouter, from, nick, name, extra, want string) {
	t.Helper()
	joinNamed(s, from, nick, name, extra)
	if c := lastError(fr, from); c != want {
		t.Fatalf("%s joining: error %q, want %q", nick, c, want)
	}
}

func joinNamed(s *Service, from, nick, name, extra string) {
	s.Handle(fromStanza(from, `<presence xmlns="jabber:client" to="`+rm+`/`+nick+`"><x xmlns="http://jabber.org/protocol/muc">`+
		extra+`</x><nick xmlns="http://jabber.org/protocol/nick">`+name+`</nick></presence>`))
}

func knock(s *Service, from, nick, name string) {
	s.Handle(fromStanza(from, `<presence xmlns="jabber:client" to="`+lobbyRoom+`/`+nick+`"><x xmlns="http://jabber.org/protocol/muc"/>`+
		`<nick xmlns="http://jabber.org/protocol/nick">`+name+`</nick></presence>`))
}

func makeOwner(s *Service, who string) {
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="o"><query xmlns="http://jabber.org/protocol/muc#admin">`+
		`<item affiliation="owner" jid="`+jid.MustParse(who).Bare().String()+`"/></query></iq>`))
}

// submitForm submits the muc#owner configuration form with fields as from.
func submitForm(s *Service, from, fields string) {
	s.Handle(fromStanza(from, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="f"><query xmlns="http://jabber.org/protocol/muc#owner">`+
		`<x xmlns="jabber:x:data" type="submit">`+fields+`</x></query></iq>`))
}

func admit(s *Service, by, who string) {
	s.Handle(fromStanza(by, `<message xmlns="jabber:client" to="`+rm+`" id="i"><x xmlns="http://jabber.org/protocol/muc#user">`+
		`<invite to="`+who+`"/></x></message>`))
}

func reject(s *Service, by, nick string) {
	s.Handle(fromStanza(by, `<iq xmlns="jabber:client" type="set" to="`+lobbyRoom+`" id="k"><query xmlns="http://jabber.org/protocol/muc#admin">`+
		`<item nick="`+nick+`" role="none"/></query></iq>`))
}

// has reports whether any stanza in got contains all of subs.
func has(got []*dom.Element, subs ...string) bool {
	for _, e := range got {
		s, ok := e.String(), true
		for _, sub := range subs {
			ok = ok && strings.Contains(s, sub)
		}
		if ok {
			return true
		}
	}
	return false
}

// TestLobbyKnockAdmitReject walks the lobby as the client uses it
// (docs/lobby.md): the first arrival enters, the next knock, the moderator
// sees them, chats, admits one and rejects another. Bad input A4 (a knocker
// sees nobody, the invite carries no password) and A9 (a forged <nick>).
func TestLobbyKnockAdmitReject(t *testing.T) {
	s, fr := newLobbyService(t, LobbyPolicy{})
	steps := []struct {
		name string
		do   func()
		to   string
		want []string // substrings of one stanza to `to`
		not  []string // substrings no stanza to `to` may have
	}{
		{"first arrival enters", func() { joinNamed(s, alice, "alice", "Alice", "") }, alice,
			[]string{`code="110"`, `affiliation="member"`}, []string{`type="error"`}},
		{"disco shows the lobby", func() {
			s.Handle(fromStanza(alice, `<iq xmlns="jabber:client" type="get" to="`+rm+`" id="d"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`))
		}, alice, []string{"muc_membersonly", "muc#roominfo_lobbyroom", lobbyRoom}, nil},
		{"no display name: the lobby too", func() { join(s, bob, "bob") }, bob,
			[]string{"registration-required", lobbyRoom}, nil},
		{"sent to the lobby", func() { joinNamed(s, bob, "bob", "Bob", "") }, bob,
			[]string{"registration-required", `code="407"`, `<lobbyroom xmlns="http://jitsi.org/jitmeet">` + lobbyRoom}, nil},
		{"moderator joins the lobby", func() { makeOwner(s, alice); fr.take(alice); knock(s, alice, "alice", "Alice") }, alice,
			[]string{`code="110"`, `role="moderator"`}, nil},
		{"knock reaches the moderator", func() { knock(s, bob, "bob", "Bob") }, alice,
			[]string{`from="` + lobbyRoom + `/bob"`, "Bob", `jid="` + bob + `"`}, nil},
		{"knocker sees only itself", func() { knock(s, carol, "carol", "Carol") }, carol,
			[]string{`code="110"`}, []string{`/alice"`, `/bob"`}},
		{"knocker writes to the moderator", func() {
			s.Handle(fromStanza(bob, `<message xmlns="jabber:client" type="chat" to="`+lobbyRoom+`/alice"><body>hi</body><nick xmlns="http://jabber.org/protocol/nick">Alice</nick></message>`))
		}, alice, []string{`from="` + lobbyRoom + `/bob"`, "<body>hi</body>"}, []string{"Alice</nick>"}},
		{"moderator answers", func() {
			s.Handle(fromStanza(alice, `<message xmlns="jabber:client" type="chat" to="`+lobbyRoom+`/bob"><body>wait</body></message>`))
		}, bob, []string{`from="` + lobbyRoom + `/alice"`, "<body>wait</body>"}, nil},
		{"knocker cannot write to another knocker", func() {
			s.Handle(fromStanza(bob, `<message xmlns="jabber:client" type="chat" to="`+lobbyRoom+`/carol"><body>x</body></message>`))
		}, bob, []string{"forbidden"}, nil},
		{"knocker's groupchat skips the other knocker", func() {
			s.Handle(fromStanza(bob, `<message xmlns="jabber:client" type="groupchat" to="`+lobbyRoom+`"><body>anyone?</body></message>`))
		}, carol, nil, []string{"anyone?"}},
		{"admit", func() { admit(s, alice, bob) }, bob,
			[]string{`from="` + rm + `"`, `<invite from="` + alice + `"`}, []string{"password"}},
		{"room told of the admission", func() {}, alice,
			[]string{"json-message", "LOBBY-ACCESS-GRANTED", lobbyRoom + `/bob`, "Bob"}, nil},
		{"admitted enters without anything typed", func() { joinNamed(s, bob, "bob", "Bob", "") }, bob,
			[]string{`code="110"`, `from="` + rm + `/bob"`}, []string{`type="error"`}},
		{"reject", func() { reject(s, alice, "carol") }, carol,
			[]string{`type="unavailable"`, `code="307"`, `code="110"`}, nil},
		{"room told of the rejection", func() {}, alice, []string{"LOBBY-ACCESS-DENIED", "Carol"}, nil},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			st.do()
			got := fr.take(st.to)
			if st.want != nil && !has(got, st.want...) {
				t.Fatalf("no stanza to %s with %q in %v", st.to, st.want, got)
			}
			for _, n := range st.not {
				if has(got, n) {
					t.Fatalf("stanza to %s has %q: %v", st.to, n, got)
				}
			}
		})
	}
}

// TestLobbyNonModerator: every lobby action of a non-moderator is refused
// and changes nothing (reliability A5).
func TestLobbyNonModerator(t *testing.T) {
	s, fr := lobbyWithModerator(t)
	admit(s, alice, dave)
	joinNamed(s, dave, "dave", "Dave", "")
	knock(s, bob, "bob", "Bob")
	for _, j := range []string{alice, bob, dave} {
		fr.take(j)
	}
	tests := []struct {
		name     string
		do       func()
		wantCond string
	}{
		{"participant admits", func() { admit(s, dave, bob) }, "forbidden"},
		{"knocker admits itself", func() { admit(s, bob, bob) }, "forbidden"},
		{"participant rejects", func() { reject(s, dave, "bob") }, "forbidden"},
		{"participant switches the lobby off", func() {
			submitForm(s, dave, field(fieldMembersOnly, "0"))
		}, "forbidden"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.do()
			got := append(fr.take(dave), fr.take(bob)...)
			if !has(got, tc.wantCond) {
				t.Fatalf("want %s, got %v", tc.wantCond, got)
			}
			joinNamed(s, bob, "bob", "Bob", "")
			if c := lastError(fr, bob); c != "registration-required" {
				t.Fatalf("bob got in after a refused action: %q", c)
			}
		})
	}
}

// TestLobbyPassword: the room password lets one in instead of waiting;
// wrong guesses are refused and, from one address, throttled (A3).
func TestLobbyPassword(t *testing.T) {
	s, fr := lobbyWithModerator(t)
	submitForm(s, alice, field(fieldSecret, "s3cret")+field(fieldProtected, "1"))
	fr.take(alice)
	expectJoin(t, s, fr, bob, "bob", "Bob", "<password>s3cret</password>", "")
	expectJoin(t, s, fr, carol, "carol", "Carol", "", "registration-required")
	var conds []string
	for i := range guessBurst + 2 {
		joinNamed(s, carol, "carol", "Carol", fmt.Sprintf("<password>guess%d</password>", i))
		conds = append(conds, lastError(fr, carol))
	}
	if conds[0] != "not-authorized" || conds[len(conds)-1] != "resource-constraint" {
		t.Fatalf("guesses: %v", conds)
	}
	expectJoin(t, s, fr, carol, "carol", "Carol", "<password>s3cret</password>", "resource-constraint")
}

// TestLobbyKnockFlood: knocks from one address are bounded in rate and in
// how many wait at once.
func TestLobbyKnockFlood(t *testing.T) {
	s, fr := newPolicyService(t, Policy{Source: func(jid.JID) string { return "192.0.2.1" },
		Lobby: LobbyPolicy{Domain: "lobby.example", ByDefault: true, MaxWaitingPerSource: 3}})
	conds := make([]string, 20)
	for i := range conds {
		from := fmt.Sprintf("guest%d@example/x", i)
		knock(s, from, fmt.Sprintf("g%d", i), "G")
		conds[i] = lastError(fr, from)
	}
	if conds[2] != "" || conds[3] != "service-unavailable" {
		t.Fatalf("per-address waiting cap: %v", conds)
	}
	if conds[19] != "resource-constraint" {
		t.Fatalf("per-address knock rate: %v", conds)
	}
	other := "other@example/o"
	knock(s, other, "o", "O")
	if c := lastError(fr, other); c != "resource-constraint" {
		// the same address, another session: still throttled
		t.Fatalf("another session of the address: %q", c)
	}
}

// TestLobbySwitchedOff: switching the lobby off sends the waiting into the
// room (destroy naming the main room) and members-only ends.
func TestLobbySwitchedOff(t *testing.T) {
	s, fr := lobbyWithModerator(t)
	knock(s, bob, "bob", "Bob")
	fr.take(bob)
	fr.take(alice)
	submitForm(s, alice, field(fieldMembersOnly, "false"))
	if got := fr.take(bob); !has(got, `<destroy jid="`+rm+`"`) {
		t.Fatalf("waiting not sent to the room: %v", got)
	}
	if got := fr.take(alice); !has(got, "LOBBY-ENABLED", "false") || !has(got, `code="104"`) {
		t.Fatalf("room not told: %v", got)
	}
	join(s, bob, "bob")
	if c := lastError(fr, bob); c != "" {
		t.Fatalf("join after the lobby is off: %s", c)
	}
}

// TestLobbyWithoutModerator: with guests waiting for a host, the first
// guest does not pass the lobby, the host does; when the host leaves, the
// waiting are told (the lobby room closes with a reason, no room named);
// the host comes back and is owner again (bad input A6).
func TestLobbyWithoutModerator(t *testing.T) {
	s, fr := newLobbyService(t, LobbyPolicy{HostsOnly: true})
	expectJoin(t, s, fr, alice, "alice", "Alice", "", "registration-required")
	expectJoin(t, s, fr, host, "host", "Host", "", "")
	knock(s, alice, "alice", "Alice")
	fr.take(alice)
	s.Leave(jid.MustParse(host))
	got := fr.take(alice)
	if !has(got, "<destroy", textNoModerator) || has(got, `jid="`+rm+`"`) {
		t.Fatalf("waiting not told: %v", got)
	}
	knock(s, bob, "bob", "Bob")
	if c := lastError(fr, bob); c != "" {
		t.Fatalf("lobby gone after the host left: %s", c)
	}
	// Reliability A6: the host comes back while only guests are waiting and
	// enters as owner (jitsi-meet #7561).
	joinNamed(s, host, "host", "Host", "")
	if got := fr.take(host); !has(got, `code="110"`, `affiliation="owner"`, `role="moderator"`) || has(got, `type="error"`) {
		t.Fatalf("returning host: %v", got)
	}
	knock(s, host, "h", "Host")
	if got := fr.take(host); !has(got, `code="110"`, `role="moderator"`) {
		t.Fatalf("returning host is not the lobby's moderator: %v", got)
	}
}

// TestPasswordNotLogged: a refused room password is logged with the room and
// the address, never the password (style: no passwords in logs; bad input A3).
func TestPasswordNotLogged(t *testing.T) {
	var buf strings.Builder
	fr := &fakeRouter{got: map[string][]*dom.Element{}}
	s, err := New("muc.example", fr, Policy{
		MayCreate: func(j jid.JID) bool { return j.Domainpart() == "auth.example" },
		Exempt:    func(j jid.JID) bool { return j.Domainpart() == "auth.example" },
		Source:    func(jid.JID) string { return "192.0.2.7" },
	}, slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug})))
	if err != nil {
		t.Fatal(err)
	}
	join(s, owner, "owner")
	ownerForm(s, field(fieldSecret, "hunter2-secret")+field(fieldProtected, "1"))
	for range guessBurst + 1 {
		joinWith(s, bob, "bob", "<password>wrong-guess-xyz</password>")
	}
	out := buf.String()
	if !strings.Contains(out, "room password refused") || !strings.Contains(out, "192.0.2.7") ||
		!strings.Contains(out, "room password guesses throttled") {
		t.Fatalf("refusals not logged:\n%s", out)
	}
	for _, secret := range []string{"hunter2-secret", "wrong-guess-xyz"} {
		if strings.Contains(out, secret) {
			t.Fatalf("log has a password:\n%s", out)
		}
	}
}

// TestLobbyClosesWithRoom: when the room ends, the waiting are told.
func TestLobbyClosesWithRoom(t *testing.T) {
	s, fr := newLobbyService(t, LobbyPolicy{})
	knock(s, bob, "bob", "Bob")
	fr.take(bob)
	s.Leave(jid.MustParse(owner))
	if got := fr.take(bob); !has(got, "<destroy", textLobbyClosed) {
		t.Fatalf("waiting not told: %v", got)
	}
	if s.Rooms() != 0 {
		t.Fatal("room left behind")
	}
	knock(s, bob, "bob", "Bob")
	if c := lastError(fr, bob); c != "item-not-found" {
		t.Fatalf("knock without room: %q", c)
	}
}

func TestLobbyServiceDisco(t *testing.T) {
	s, fr := newLobbyService(t, LobbyPolicy{})
	s.Handle(fromStanza(alice, `<iq xmlns="jabber:client" type="get" to="lobby.example" id="d"><query xmlns="http://jabber.org/protocol/disco#info" node="lobbyrooms"/></iq>`))
	if got := fr.take(alice); !has(got, `type="result"`, `from="lobby.example"`, ns.MUC) {
		t.Fatalf("lobby disco: %v", got)
	}
	if _, err := New("muc.example", fr, Policy{Lobby: LobbyPolicy{Domain: "muc.example"}}, nil); err == nil {
		t.Fatal("lobby domain equal to the MUC domain accepted")
	}
}

// TestLobbyAdmitAll: every moderator in the lobby sees each knock, and one
// message with several invites ("admit all") admits everyone named.
func TestLobbyAdmitAll(t *testing.T) {
	s, fr := lobbyWithModerator(t)
	expectJoin(t, s, fr, host, "host", "Host", "", "") // a host: owner by login
	knock(s, alice, "alice", "Alice")
	knock(s, host, "host", "Host")
	knock(s, bob, "bob", "Bob")
	knock(s, carol, "carol", "Carol")
	for _, mod := range []string{alice, host} {
		if got := fr.take(mod); !has(got, lobbyRoom+"/bob") || !has(got, lobbyRoom+"/carol") {
			t.Fatalf("moderator %s missed a knock: %v", mod, got)
		}
	}
	s.Handle(fromStanza(host, `<message xmlns="jabber:client" to="`+rm+`"><x xmlns="http://jabber.org/protocol/muc#user">`+
		`<invite to="`+bob+`"/><invite to="`+carol+`"/></x></message>`))
	for _, who := range []string{bob, carol} {
		if got := fr.take(who); !has(got, `<invite from="`+host+`"`) {
			t.Fatalf("%s not invited: %v", who, got)
		}
	}
	expectJoin(t, s, fr, bob, "bob", "Bob", "", "")
	expectJoin(t, s, fr, carol, "carol", "Carol", "", "")
}
