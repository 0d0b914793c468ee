package endconference

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

func TestEndConference(t *testing.T) {
	const (
		comp  = "endconference.example"
		boss  = "boss@example/b"
		guest = "guest@example/g"
		end   = `<message xmlns="jabber:client" to="` + comp + `"><end_conference/></message>`
	)
	tests := []struct {
		name, from, xml string
		ends            bool
	}{
		{"participant refused", guest, end, false},
		{"outsider refused", "out@example/o", end, false},
		{"other payload ignored", boss, `<message xmlns="jabber:client" to="` + comp + `"><body>hi</body></message>`, false},
		{"moderator ends", boss, end, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := roomcomptest.New(t)
			c := New(comp, f.Rooms(), f, nil)
			f.Join(boss, "r", "boss")
			f.Join(guest, "r", "guest")
			f.Take(guest)
			c.Handle(roomcomptest.Stanza(tc.from, tc.xml))
			if ended := f.MUC.Rooms() == 0; ended != tc.ends {
				t.Fatalf("room ended: %v, want %v", ended, tc.ends)
			}
			got := f.Take(guest)
			if tc.ends && (len(got) != 1 || !strings.Contains(got[0].String(), Reason) || got[0].Child("", "x").Child("", "destroy") == nil) {
				t.Errorf("guest's destroy presence: %v", got)
			}
			if !tc.ends && len(got) != 0 {
				t.Errorf("guest was sent %v", got)
			}
		})
	}
}

// TestEndConferenceEndsBreakoutRooms: the meeting's breakout rooms end with
// the main room.
func TestEndConferenceEndsBreakoutRooms(t *testing.T) {
	f := roomcomptest.New(t)
	bm := f.AddMUC("breakout.example")
	c := New("endconference.example", f.Rooms(), f, nil)
	c.Breakouts = func(main string) []string {
		if main == "r@"+roomcomptest.Domain {
			return []string{"b@breakout.example"}
		}
		return nil
	}
	f.Join("boss@example/b", "r", "boss")
	bm.Handle(roomcomptest.Stanza("guest@example/g", `<presence xmlns="jabber:client" to="b@breakout.example/guest"><x xmlns="http://jabber.org/protocol/muc"/></presence>`))
	c.Handle(roomcomptest.Stanza("boss@example/b", `<message xmlns="jabber:client" to="endconference.example"><end_conference/></message>`))
	if f.MUC.Rooms() != 0 || bm.Rooms() != 0 {
		t.Errorf("rooms left: main %d, breakout %d", f.MUC.Rooms(), bm.Rooms())
	}
}
