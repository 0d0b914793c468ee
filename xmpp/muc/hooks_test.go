package muc

import (
	"strings"
	"testing"

	"mellium.im/xmpp/jid"
)

// TestHooks: joins, presence updates, leaves and the room's end reach a
// hook with the occupant's snapshot (display name included, or empty when
// its presence has none); the read-only views and Destroy work.
func TestHooks(t *testing.T) {
	s, fr := newTestService(t)
	var got []string
	s.AddHook(func(ev Event) {
		got = append(got, ev.Room.Localpart()+" "+[]string{"", "joined", "updated", "left", "destroyed"}[ev.Kind]+
			" "+ev.Occupant.Nick+" "+ev.Occupant.DisplayName+" "+ev.Occupant.Role)
	})
	join(s, owner, "boss")
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/alice"><x xmlns="http://jabber.org/protocol/muc"/><nick xmlns="http://jabber.org/protocol/nick">Alice</nick></presence>`))
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" to="`+rm+`/alice"><nick xmlns="http://jabber.org/protocol/nick">Alice B</nick></presence>`))
	if occ := s.RoomOccupants("r"); len(occ) != 2 || !occ[0].Moderator() || occ[1].DisplayName != "Alice B" {
		t.Errorf("RoomOccupants: %+v", occ)
	}
	if room, o, ok := s.OccupantOf(jid.MustParse(alice)); !ok || room.String() != rm || o.Nick != "alice" {
		t.Errorf("OccupantOf: %v %+v %v", room, o, ok)
	}
	if _, _, ok := s.OccupantOf(jid.MustParse(bob)); ok {
		t.Error("OccupantOf found a JID in no room")
	}
	s.Handle(fromStanza(alice, `<presence xmlns="jabber:client" type="unavailable" to="`+rm+`/alice"/>`))
	join(s, bob, "bob")
	fr.take(bob)
	if !s.Destroy("r", "over") || s.Destroy("r", "again") || s.Rooms() != 0 {
		t.Fatal("Destroy")
	}
	if p := fr.take(bob); len(p) != 1 || !strings.Contains(p[0].String(), "<reason") || !strings.Contains(p[0].String(), "over") {
		t.Errorf("destroy presence: %v", p)
	}
	want := []string{
		"r joined boss  moderator", "r joined alice Alice participant", "r updated alice Alice B participant",
		"r left alice Alice B participant", "r joined bob  participant", "r destroyed   ",
	}
	if strings.Join(got, "|") != strings.Join(want, "|") {
		t.Errorf("events\n got %q\nwant %q", got, want)
	}
}

// TestKickShowsActorAndReason: the kicked occupant's presence names the
// moderator and the reason inside its <item/>, as clients read them.
func TestKickShowsActorAndReason(t *testing.T) {
	s, fr := newTestService(t)
	join(s, owner, "boss")
	join(s, bob, "bob")
	fr.take(bob)
	s.Handle(fromStanza(owner, `<iq xmlns="jabber:client" type="set" to="`+rm+`" id="k"><query xmlns="http://jabber.org/protocol/muc#admin"><item nick="bob" role="none"><reason>too loud</reason></item></query></iq>`))
	p := fr.take(bob)
	if len(p) != 1 {
		t.Fatalf("kick presences to bob: %v", p)
	}
	item := p[0].Child("http://jabber.org/protocol/muc#user", "x").Child("http://jabber.org/protocol/muc#user", "item")
	if item.Child("", "actor").Attr("nick") != "boss" || item.Child("", "reason").Text != "too loud" {
		t.Errorf("kick item: %s", p[0])
	}
}
