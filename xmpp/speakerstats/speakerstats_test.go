package speakerstats

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/xmpp/dom"
	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	comp = "speakerstats.example"
	a    = "a@example/a"
	b    = "b@example/b"
	late = "late@example/l"
	room = "r@" + roomcomptest.Domain
)

func dominant(from, roomJID, extra string) *dom.Element {
	return roomcomptest.Stanza(from, `<message xmlns="jabber:client" to="`+comp+`"><speakerstats xmlns="http://jitsi.org/jitmeet" room="`+roomJID+`" `+extra+`/></message>`)
}

// TestLateJoinerSeesTotals: speaking turns reported by the clients add up;
// a joiner gets the others' totals (a running turn included); reports for
// a room the sender is not in, and from outsiders, count for nothing.
func TestLateJoinerSeesTotals(t *testing.T) {
	f := roomcomptest.New(t)
	c := New(comp, f.Rooms(), f, nil)
	now := time.Unix(1000, 0)
	c.now = func() time.Time { return now }
	f.MUC.AddHook(c.Hook)
	f.Join(a, "r", "alice")
	f.Join(b, "r", "bob")
	c.Handle(dominant(a, room, ""))
	now = now.Add(3 * time.Second)
	c.Handle(dominant(b, room, ""))
	now = now.Add(2 * time.Second)
	c.Handle(dominant(a, "other@"+roomcomptest.Domain, "")) // not its room
	c.Handle(dominant("out@example/o", room, ""))           // not in the room
	c.Handle(dominant(b, room, `silence="true"`))           // bob stops
	c.Handle(dominant(a, room, ""))                         // alice again
	now = now.Add(time.Second)
	f.Take(late)
	f.Join(late, "r", "late")
	got := f.JSON(late, comp)
	if !roomcomptest.Has(got, `"type":"speakerstats"`, `"alice":{"displayName":"alice","totalDominantSpeakerTime":4000}`,
		`"bob":{"displayName":"bob","totalDominantSpeakerTime":2000}`) {
		t.Errorf("late joiner got %q", got)
	}
	f.MUC.Destroy("r", "")
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.state) != 0 {
		t.Error("state of a destroyed room kept")
	}
}
