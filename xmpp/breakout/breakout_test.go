package breakout

import (
	"encoding/json"
	"testing"

	"go.uber.org/goleak"

	"meetd/xmpp/dom"
	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	comp  = "breakout.example"
	boss  = "boss@example/b"
	guest = "guest@example/g"
	other = "other@example/o"
	main  = "r@" + roomcomptest.Domain
)

func cmd(from, attrs string) *dom.Element {
	return roomcomptest.Stanza(from, `<message xmlns="jabber:client" to="`+comp+`"><breakout_rooms `+attrs+`/></message>`)
}

// setup: boss (moderator) and guest in room r, other in room s.
func setup(t *testing.T) (*roomcomptest.Fixture, *Component) {
	f := roomcomptest.New(t)
	c := New(comp, f.Rooms(), f, nil)
	f.MUC.AddHook(c.Hook)
	f.Join(boss, "r", "boss")
	f.Join(guest, "r", "guest")
	f.Join(other, "s", "other")
	return f, c
}

// lastUpdate decodes the latest update guest received.
func lastUpdate(t *testing.T, f *roomcomptest.Fixture, to string) map[string]Room {
	t.Helper()
	var last map[string]Room
	for _, j := range f.JSON(to, comp) {
		var u struct {
			Event string          `json:"event"`
			Rooms map[string]Room `json:"rooms"`
		}
		if json.Unmarshal([]byte(j), &u) == nil && u.Event == evUpdate {
			last = u.Rooms
		}
	}
	return last
}

func TestCreateMoveRemove(t *testing.T) {
	f, c := setup(t)
	c.Handle(cmd(boss, `type="features/breakout-rooms/add" subject="Side"`))
	rooms := lastUpdate(t, f, guest)
	if len(rooms) != 2 || len(rooms["r"].Participants) != 2 || !rooms["r"].IsMainRoom {
		t.Fatalf("update after add: %+v", rooms)
	}
	var side string
	for id, r := range rooms {
		if id != "r" {
			side = r.JID
		}
	}
	bm := f.AddMUC(comp)
	bm.AddRoomInfo(c.RoomInfo)
	bm.Handle(roomcomptest.Stanza("x@example/x", `<presence xmlns="jabber:client" to="`+side+`/x"><x xmlns="http://jabber.org/protocol/muc"/></presence>`))
	f.Take("x@example/x")
	bm.Handle(roomcomptest.Stanza("x@example/x", `<iq xmlns="jabber:client" type="get" id="i" to="`+side+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`))
	if d := f.Take("x@example/x"); len(d) != 1 || !roomcomptest.Has([]string{d[0].String()}, "muc#roominfo_isbreakout", "muc#roominfo_breakout_main_room", main) {
		t.Errorf("breakout room disco#info: %v", d)
	}
	c.Handle(cmd(boss, `type="features/breakout-rooms/move-to-room" participantJid="`+guest+`" roomJid="`+side+`"`))
	if got := f.JSON(guest, comp); !roomcomptest.Has(got, `"event":"features/breakout-rooms/move-to-room"`, side) {
		t.Errorf("guest's move: %q", got)
	}
	c.Handle(cmd(boss, `type="features/breakout-rooms/rename" breakoutRoomJid="`+side+`" subject="Corner"`))
	if r := lastUpdate(t, f, boss); r[jidNode(side)].Name != "Corner" {
		t.Errorf("rename: %+v", r)
	}
	c.Handle(cmd(boss, `type="features/breakout-rooms/remove" breakoutRoomJid="`+side+`"`))
	if r := lastUpdate(t, f, boss); len(r) != 1 {
		t.Errorf("after remove: %+v", r)
	}
}

func jidNode(j string) string {
	for i := range j {
		if j[i] == '@' {
			return j[:i]
		}
	}
	return j
}

// TestRefused: a participant's commands, moves of someone outside the
// meeting (a forged participant) and moves to a room of another meeting
// change nothing and send nothing.
func TestRefused(t *testing.T) {
	tests := []struct{ name, from, attrs string }{
		{"participant adds", guest, `type="features/breakout-rooms/add" subject="x"`},
		{"participant moves", guest, `type="features/breakout-rooms/move-to-room" participantJid="` + boss + `" roomJid="` + main + `"`},
		{"outsider adds", "out@example/x", `type="features/breakout-rooms/add" subject="x"`},
		{"move someone of another room", boss, `type="features/breakout-rooms/move-to-room" participantJid="` + other + `" roomJid="` + main + `"`},
		{"move to another meeting's room", boss, `type="features/breakout-rooms/move-to-room" participantJid="` + guest + `" roomJid="s@` + roomcomptest.Domain + `"`},
		{"remove unknown", boss, `type="features/breakout-rooms/remove" breakoutRoomJid="nope@` + comp + `"`},
		{"unknown type", boss, `type="features/breakout-rooms/explode"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, c := setup(t)
			f.Take(boss)
			f.Take(guest)
			f.Take(other)
			c.Handle(cmd(tc.from, tc.attrs))
			for _, who := range []string{boss, guest, other} {
				if got := f.Take(who); len(got) != 0 {
					t.Errorf("%s was sent %v", who, got)
				}
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.parent) != 0 {
				t.Errorf("rooms registered: %v", c.parent)
			}
		})
	}
}

func FuzzParseCommand(f *testing.F) {
	f.Add(`<message xmlns="jabber:client"><breakout_rooms type="features/breakout-rooms/add" subject="x"/></message>`)
	f.Add(`<message xmlns="jabber:client"><breakout_rooms type="features/breakout-rooms/move-to-room" participantJid="a@b/c" roomJid="r@c"/></message>`)
	f.Fuzz(func(t *testing.T, xml string) {
		el, err := dom.Parse([]byte(xml))
		if err != nil {
			return
		}
		if c, ok := ParseCommand(el); ok && c.Type == cmdMove && (c.RoomJID == "" || c.ParticipantJID == "") {
			t.Errorf("accepted %+v", c)
		}
	})
}
