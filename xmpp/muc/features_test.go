package muc

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const carol = "carol@example/c"

func newPolicyService(t *testing.T, p Policy) (*Service, *fakeRouter) {
	t.Helper()
	fr := &fakeRouter{got: map[string][]*dom.Element{}}
	p.MayCreate = func(j jid.JID) bool { return j.Domainpart() == "auth.example" }
	p.Exempt = func(j jid.JID) bool { return j.Domainpart() == "auth.example" }
	s, err := New("muc.example", fr, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	join(s, owner, "owner")
	fr.take(owner)
	return s, fr
}

func joinWith(s *Service, from, nick, extra string) {
	s.Handle(fromStanza(from, `<presence xmlns="jabber:client" to="`+rm+`/`+nick+`"><x xmlns="http://jabber.org/protocol/muc">`+extra+`</x></presence>`))
}

func lastError(fr *fakeRouter, to string) string {
	got := fr.take(to)
	for _, e := range got {
		if e.Attr("type") == "error" {
			return errorCondition(e)
		}
	}
	return ""
}

func ownerForm(s *Service, fields string) {
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="f"><query xmlns="http://jabber.org/protocol/muc#owner"><x xmlns="jabber:x:data" type="submit">`+fields+`</x></query></iq>`))
}

func field(name, value string) string {
	return `<field var="` + name + `"><value>` + value + `</value></field>`
}

// TestRoomPassword covers docs/bad-input.md#a3 and docs/protocols.md#room-password.
func TestRoomPassword(t *testing.T) {
	s, fr := newPolicyService(t, Policy{})
	join(s, alice, "alice")
	fr.take(alice)
	ownerForm(s, field(fieldSecret, "1234")+field(fieldProtected, "1"))
	if got := fr.take(alice); len(got) != 1 || !strings.Contains(got[0].String(), `code="104"`) {
		t.Fatalf("no status 104 to occupants: %v", got)
	}
	for _, pw := range []string{"", "<password>12345</password>", "<password>123</password>"} {
		joinWith(s, bob, "bob", pw)
		if c := lastError(fr, bob); c != "not-authorized" {
			t.Fatalf("password %q: %q", pw, c)
		}
	}
	joinWith(s, bob, "bob", "<password>1234</password>")
	if c := lastError(fr, bob); c != "" {
		t.Fatalf("right password refused: %s", c)
	}
	fr.take(alice)
	s.Handle(fromStanza(alice, `<iq xmlns="jabber:client" type="get" to="`+rm+`" id="d"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`))
	if got := fr.take(alice); len(got) != 1 || !strings.Contains(got[0].String(), "muc_passwordprotected") {
		t.Fatalf("disco#info: %v", got)
	}
	ownerForm(s, field(fieldSecret, "")+field(fieldProtected, "0"))
	joinWith(s, carol, "carol", "")
	if c := lastError(fr, carol); c != "" {
		t.Fatalf("unlocked room refused: %s", c)
	}
}

func TestMembersOnlyAndSize(t *testing.T) {
	s, fr := newPolicyService(t, Policy{MaxOccupants: 2})
	join(s, alice, "alice")
	join(s, bob, "bob")
	if c := lastError(fr, bob); c != "" {
		t.Fatalf("second occupant refused: %s", c)
	}
	join(s, carol, "carol")
	if c := lastError(fr, carol); c != "service-unavailable" {
		t.Fatalf("occupant 3 of 2: %q", c)
	}
	join(s, "jibri@auth.example/j", "jibri")
	if c := lastError(fr, "jibri@auth.example/j"); c != "" {
		t.Fatalf("service account counted: %s", c)
	}
	s.Leave(jid.MustParse(bob))
	ownerForm(s, field(fieldMembersOnly, "1"))
	join(s, carol, "carol")
	if c := lastError(fr, carol); c != "registration-required" {
		t.Fatalf("members-only: %q", c)
	}
}

func TestNickChange(t *testing.T) {
	s, fr := newPolicyService(t, Policy{})
	join(s, alice, "alice")
	join(s, bob, "bob")
	fr.take(alice)
	fr.take(bob)
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/bob"/>`))
	if c := lastError(fr, alice); c != "conflict" {
		t.Fatalf("taken nick: %q", c)
	}
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/ada"/>`))
	got := fr.take(bob)
	if len(got) != 2 || got[0].Attr("type") != "unavailable" || !strings.Contains(got[0].String(), `code="303"`) ||
		got[0].Child(ns.MUCUser, "x").Child(ns.MUCUser, "item").Attr("nick") != "ada" || got[1].Attr("from") != rm+"/ada" {
		t.Fatalf("nick change broadcast: %v", got)
	}
	if nicks := s.Occupants("r"); len(nicks) != 3 || nicks[1] != "ada" {
		t.Fatalf("occupants %v", nicks)
	}
}

func TestJoinPolicyHooks(t *testing.T) {
	ident := dom.New(ns.Client, "identity")
	ident.AddNew(ns.Client, "user").AddNew(ns.Client, "name").SetText("Real Name")
	s, fr := newPolicyService(t, Policy{
		MayJoin:  func(j jid.JID, room string) bool { return j.String() != carol },
		Owner:    func(j jid.JID) bool { return j.String() == bob },
		Identity: func(j jid.JID) *dom.Element { return ident.Copy() },
	})
	join(s, carol, "carol")
	if c := lastError(fr, carol); c != "not-allowed" {
		t.Fatalf("token for another room: %q", c)
	}
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/alice"><x xmlns="http://jabber.org/protocol/muc"/><identity><user><name>Spoofed</name></user></identity></presence>`))
	self := fr.take(alice)
	var p *dom.Element
	for _, e := range self {
		if e.Attr("from") == rm+"/alice" {
			p = e
		}
	}
	if p == nil || strings.Contains(p.String(), "Spoofed") || !strings.Contains(p.String(), "Real Name") {
		t.Fatalf("identity not replaced: %v", p)
	}
	join(s, bob, "bob")
	for _, e := range fr.take(bob) {
		if e.Attr("from") == rm+"/bob" && !strings.Contains(e.String(), `affiliation="owner"`) {
			t.Fatalf("token moderator not owner: %s", e)
		}
	}
}

func TestJoinThrottle(t *testing.T) {
	s, fr := newPolicyService(t, Policy{JoinRate: 0.01, JoinBurst: 1})
	join(s, alice, "alice")
	if c := lastError(fr, alice); c != "" {
		t.Fatalf("first join refused: %s", c)
	}
	join(s, bob, "bob")
	if c := lastError(fr, bob); c != "resource-constraint" {
		t.Fatalf("join over the rate: %q", c)
	}
}

// TestKickResetsAffiliation: a kicked member loses its affiliation, so it
// cannot come back into a members-only room on the strength of it.
func TestKickResetsAffiliation(t *testing.T) {
	s, fr := newPolicyService(t, Policy{})
	join(s, alice, "alice")
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="m"><query xmlns="http://jabber.org/protocol/muc#admin"><item affiliation="member" jid="alice@example"/></query></iq>`))
	ownerForm(s, field(fieldMembersOnly, "1"))
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="k"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="alice" role="none"/></query></iq>`))
	fr.take(alice)
	join(s, alice, "alice")
	if c := lastError(fr, alice); c != "registration-required" {
		t.Fatalf("kicked member rejoined: %q", c)
	}
}
