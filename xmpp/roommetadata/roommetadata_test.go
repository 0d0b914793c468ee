package roommetadata

import (
	"testing"

	"go.uber.org/goleak"

	"meetd/xmpp/dom"
	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	comp  = "metadata.example"
	boss  = "boss@example/b"
	guest = "guest@example/g"
	room  = "r@" + roomcomptest.Domain
)

func update(from, roomJID, json string) *dom.Element {
	m := roomcomptest.Stanza(from, `<message xmlns="jabber:client" to="`+comp+`"><room_metadata xmlns="http://jitsi.org/jitmeet"/></message>`)
	m.Child("", "room_metadata").SetAttr("room", roomJID).SetText(json)
	return m
}

func TestMetadata(t *testing.T) {
	f := roomcomptest.New(t)
	c := New(comp, f.Rooms(), f, nil)
	f.MUC.AddHook(c.Hook)
	f.Join(boss, "r", "boss")
	f.Join(guest, "r", "guest")
	if got := f.JSON(guest, comp); !roomcomptest.Has(got, `"type":"room_metadata"`, `"metadata":{}`) {
		t.Errorf("joiner's first metadata: %q", got)
	}
	f.Take(boss)
	refused := []struct{ name, from, room, json string }{
		{"participant", guest, room, `{"key":"startMuted","data":{"audio":true}}`},
		{"outsider", "out@example/o", room, `{"key":"startMuted","data":{"audio":true}}`},
		{"other room", boss, "x@" + roomcomptest.Domain, `{"key":"startMuted","data":{"audio":true}}`},
		{"blocked key", boss, room, `{"key":"services","data":[]}`},
		{"null data", boss, room, `{"key":"a","data":null}`},
		{"no key", boss, room, `{"data":1}`},
		{"not json", boss, room, `{"key":`},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			c.Handle(update(tc.from, tc.room, tc.json))
			if got := f.Take(guest); len(got) != 0 {
				t.Errorf("guest was sent %v", got)
			}
		})
	}
	c.Handle(update(boss, room, `{"key":"startMuted","data":{"audio":true,"video":false}}`))
	if got := f.JSON(guest, comp); !roomcomptest.Has(got, `"metadata":{"startMuted":{"audio":true,"video":false}}`) {
		t.Errorf("guest got %q", got)
	}
	c.Handle(update(boss, room, `{"key":"startMuted","data":{"audio":true,"video":false}}`))
	if got := f.Take(guest); len(got) != 0 {
		t.Errorf("an unchanged value was sent again: %v", got)
	}
	f.Join("late@example/l", "r", "late")
	if got := f.JSON("late@example/l", comp); !roomcomptest.Has(got, `"startMuted":{"audio":true`) {
		t.Errorf("late joiner got %q", got)
	}
}

func FuzzParseUpdate(f *testing.F) {
	f.Add(`{"key":"startMuted","data":{"audio":true}}`)
	f.Add(`{"key":"services","data":[]}`)
	f.Add(`{"key":"k","data":null}`)
	f.Fuzz(func(t *testing.T, text string) {
		u, ok := ParseUpdate(text)
		if ok && (u.Key == "" || blocked[u.Key] || string(u.Data) == "null") {
			t.Errorf("accepted %q", text)
		}
	})
}
