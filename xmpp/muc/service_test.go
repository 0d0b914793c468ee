package muc

import (
	"slices"
	"strings"
	"sync"
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// fakeRouter records deliveries per recipient.
type fakeRouter struct {
	mu  sync.Mutex
	got map[string][]*dom.Element
}

func (f *fakeRouter) DeliverLocal(st *dom.Element) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.got[st.Attr("to")] = append(f.got[st.Attr("to")], st)
}

// take returns and forgets what to received.
func (f *fakeRouter) take(to string) []*dom.Element {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := f.got[to]
	delete(f.got, to)
	return out
}

const (
	owner = "owner@auth.example/o"
	alice = "alice@example/a"
	bob   = "bob@example/b"
	rm    = "r@muc.example"
)

func newTestService(t *testing.T) (*Service, *fakeRouter) {
	t.Helper()
	fr := &fakeRouter{got: map[string][]*dom.Element{}}
	s, err := New("muc.example", fr, Policy{MayCreate: func(j jid.JID) bool {
		return j.Domainpart() == "auth.example"
	}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, fr
}

func fromStanza(from, xml string) *dom.Element {
	e := dom.MustParse(xml)
	e.SetAttr("from", from)
	return e
}

func join(s *Service, from, nick string) {
	s.Handle(fromStanza(from, `<presence xmlns="jabber:client" to="`+rm+`/`+nick+`"><x xmlns="http://jabber.org/protocol/muc"/></presence>`))
}

func errorCondition(e *dom.Element) string {
	if c := e.Child(ns.Client, "error").FirstChild(); c != nil {
		return c.Local
	}
	return ""
}

func TestNew(t *testing.T) {
	if _, err := New("muc.example", nil, Policy{}, nil); err != ErrNoRouter {
		t.Errorf("nil router: %v", err)
	}
	for _, d := range []string{"", "a@b", "b/c"} {
		if _, err := New(d, &fakeRouter{}, Policy{}, nil); err == nil {
			t.Errorf("domain %q accepted", d)
		}
	}
}

func TestRoomLifecycle(t *testing.T) {
	s, fr := newTestService(t)
	join(s, alice, "alice")
	if got := fr.take(alice); len(got) != 1 || errorCondition(got[0]) != "not-allowed" {
		t.Fatalf("guest created a room: %v", got)
	}
	join(s, owner, "owner")
	join(s, alice, "alice")
	join(s, bob, "alice")
	if got := fr.take(bob); len(got) != 1 || errorCondition(got[0]) != "conflict" {
		t.Fatalf("nick conflict: %v", got)
	}
	if nicks := s.Occupants("r"); !slices.Equal(nicks, []string{"owner", "alice"}) {
		t.Fatalf("occupants %v", nicks)
	}
	fr.take(owner)
	fr.take(alice)
	s.Leave(jid.MustParse(alice))
	if got := fr.take(owner); len(got) != 1 || got[0].Attr("type") != "unavailable" {
		t.Fatalf("leave broadcast %v", got)
	}
	s.Leave(jid.MustParse(owner))
	if s.Rooms() != 0 {
		t.Fatal("empty room not destroyed")
	}
}

func TestRoomIQs(t *testing.T) {
	s, fr := newTestService(t)
	join(s, owner, "owner")
	join(s, alice, "alice")
	join(s, bob, "bob")
	for _, j := range []string{owner, alice, bob} {
		fr.take(j)
	}
	tests := []struct {
		name, from, iq string
		wantType       string
		wantCond       string
		check          func(t *testing.T)
	}{
		{"owner form forbidden to participant", alice, `<iq xmlns="jabber:client" type="get" to="` + rm + `" id="1"><query xmlns="http://jabber.org/protocol/muc#owner"/></iq>`, "error", "forbidden", nil},
		{"owner form", owner, `<iq xmlns="jabber:client" type="get" to="` + rm + `" id="2"><query xmlns="http://jabber.org/protocol/muc#owner"/></iq>`, "result", "", nil},
		{"participant cannot kick", alice, `<iq xmlns="jabber:client" type="set" to="` + rm + `" id="3"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="bob" role="none"/></query></iq>`, "error", "forbidden", nil},
		{"grant moderator role", owner, `<iq xmlns="jabber:client" type="set" to="` + rm + `" id="4"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="alice" role="moderator"/></query></iq>`, "result", "", func(t *testing.T) {
			p := fr.take(bob)
			if len(p) != 1 || !strings.Contains(p[0].String(), `role="moderator"`) {
				t.Fatalf("role broadcast %v", p)
			}
		}},
		{"moderator kicks", alice, `<iq xmlns="jabber:client" type="set" to="` + rm + `" id="5"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="bob" role="none"><reason>bye</reason></item></query></iq>`, "result", "", func(t *testing.T) {
			p := fr.take(bob)
			if len(p) != 1 || p[0].Attr("type") != "unavailable" || !strings.Contains(p[0].String(), `code="307"`) {
				t.Fatalf("kick presence %v", p)
			}
		}},
		{"unknown nick", owner, `<iq xmlns="jabber:client" type="set" to="` + rm + `" id="6"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="zed" role="none"/></query></iq>`, "error", "item-not-found", nil},
		{"unknown payload", alice, `<iq xmlns="jabber:client" type="get" to="` + rm + `" id="7"><foo xmlns="urn:x"/></iq>`, "error", "feature-not-implemented", nil},
		{"no room", alice, `<iq xmlns="jabber:client" type="get" to="nope@muc.example" id="8"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`, "error", "item-not-found", nil},
		{"destroy", owner, `<iq xmlns="jabber:client" type="set" to="` + rm + `" id="9"><query xmlns="http://jabber.org/protocol/muc#owner"><destroy/></query></iq>`, "result", "", func(t *testing.T) {
			if p := fr.take(alice); len(p) != 1 || p[0].Child(ns.MUCUser, "x").Child(ns.MUCUser, "destroy") == nil {
				t.Fatalf("destroy presence %v", p)
			}
			if s.Rooms() != 0 {
				t.Fatal("room still there")
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req := fromStanza(tc.from, tc.iq)
			s.Handle(req)
			var res *dom.Element
			for _, e := range fr.take(tc.from) {
				if e.Local == "iq" && e.Attr("id") == req.Attr("id") {
					res = e
				}
			}
			if res == nil || res.Attr("type") != tc.wantType {
				t.Fatalf("reply %v, want type %s", res, tc.wantType)
			}
			if tc.wantCond != "" && errorCondition(res) != tc.wantCond {
				t.Fatalf("condition %q, want %q", errorCondition(res), tc.wantCond)
			}
			if tc.check != nil {
				tc.check(t)
			}
		})
	}
}

func TestSubject(t *testing.T) {
	s, fr := newTestService(t)
	join(s, owner, "owner")
	join(s, alice, "alice")
	fr.take(owner)
	fr.take(alice)
	s.Handle(fromStanza(alice, `<message xmlns="jabber:client" type="groupchat" to="`+rm+`"><subject>x</subject></message>`))
	if got := fr.take(alice); len(got) != 1 || errorCondition(got[0]) != "forbidden" {
		t.Fatalf("participant changed subject: %v", got)
	}
	s.Handle(fromStanza(owner, `<message xmlns="jabber:client" type="groupchat" to="`+rm+`"><subject>Standup</subject></message>`))
	if got := fr.take(alice); len(got) != 1 || got[0].Child(ns.Client, "subject").Text != "Standup" {
		t.Fatalf("subject broadcast %v", got)
	}
	join(s, bob, "bob")
	got := fr.take(bob)
	if last := got[len(got)-1]; last.Child(ns.Client, "subject").Text != "Standup" {
		t.Fatalf("joiner subject %v", last)
	}
}
