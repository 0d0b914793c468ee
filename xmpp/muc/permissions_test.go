package muc

import (
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// selfPermissions returns the <permissions/> of the occupant's own presence
// among got (nil when it has none), and whether an own presence was there.
func selfPermissions(got []*dom.Element, self string) (map[string]string, bool) {
	for _, p := range got {
		if p.Local != "presence" || p.Attr("from") != rm+"/"+self || p.Attr("type") != "" {
			continue
		}
		perms := p.Child(ns.JitMeet, "permissions")
		if perms == nil {
			return nil, true
		}
		out := map[string]string{}
		for _, e := range perms.ChildrenNamed(ns.JitMeet, "p") {
			out[e.Attr("name")] = e.Attr("val")
		}
		return out, true
	}
	return nil, false
}

// TestModeratorPermissions: a moderator's own presence carries the
// permissions the current web app reads (recording on, what meetd lacks
// off), a participant's does not, nobody sees another's, a client cannot
// send its own, and a participant made moderator is told.
func TestModeratorPermissions(t *testing.T) {
	fr := &fakeRouter{got: map[string][]*dom.Element{}}
	p := Policy{
		MayCreate:         func(j jid.JID) bool { return j.Domainpart() == "auth.example" },
		ModeratorFeatures: map[string]bool{"recording": true, "livestreaming": false},
	}
	s, err := New("muc.example", fr, p, nil)
	if err != nil {
		t.Fatal(err)
	}
	join(s, owner, "owner")
	perms, ok := selfPermissions(fr.take(owner), "owner")
	if !ok || perms["recording"] != "true" || perms["livestreaming"] != "false" || len(perms) != 2 {
		t.Fatalf("owner's own presence: permissions %v (present %v)", perms, ok)
	}
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/alice"><x xmlns="http://jabber.org/protocol/muc"/>`+
		`<permissions xmlns="http://jitsi.org/jitmeet"><p name="recording" val="true"/></permissions></presence>`))
	if perms, ok := selfPermissions(fr.take(alice), "alice"); !ok || perms != nil {
		t.Fatalf("participant's own presence: permissions %v (present %v); a client's own must be dropped", perms, ok)
	}
	for _, pres := range fr.take(owner) {
		if pres.Child(ns.JitMeet, "permissions") != nil {
			t.Fatalf("the owner sees another occupant's permissions: %s", pres)
		}
	}
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="r"><query xmlns="http://jabber.org/protocol/muc#admin">`+
		`<item nick="alice" role="moderator"/></query></iq>`))
	if perms, _ := selfPermissions(fr.take(alice), "alice"); perms["recording"] != "true" {
		t.Fatalf("alice made moderator: permissions %v", perms)
	}
	for _, pres := range fr.take(owner) {
		if pres.Local == "presence" && pres.Child(ns.JitMeet, "permissions") != nil {
			t.Fatalf("the owner sees alice's permissions: %s", pres)
		}
	}
}

// TestNoPermissionsWithoutFeatures: a service without ModeratorFeatures (the
// breakout MUC of a test, the internal MUC) adds nothing.
func TestNoPermissionsWithoutFeatures(t *testing.T) {
	fr := &fakeRouter{got: map[string][]*dom.Element{}}
	s, err := New("muc.example", fr, Policy{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	join(s, owner, "owner")
	if perms, ok := selfPermissions(fr.take(owner), "owner"); !ok || perms != nil {
		t.Fatalf("permissions %v (present %v)", perms, ok)
	}
}
