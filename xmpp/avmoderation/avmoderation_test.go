package avmoderation

import (
	"testing"

	"go.uber.org/goleak"

	"meetd/xmpp/dom"

	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	comp  = "avmoderation.example"
	boss  = "boss@example/b"
	guest = "guest@example/g"
	room  = "r@" + roomcomptest.Domain
)

func setup(t *testing.T) (*roomcomptest.Fixture, *Component) {
	f := roomcomptest.New(t)
	c := New(comp, f.Rooms(), f, nil)
	f.MUC.AddHook(c.Hook)
	f.Join(boss, "r", "boss")
	f.Join(guest, "r", "guest")
	f.Take(boss)
	f.Take(guest)
	return f, c
}

func cmd(from, attrs string) string {
	return `<message xmlns="jabber:client" to="` + comp + `"><av_moderation ` + attrs + `/></message>`
}

func TestModeratorCommands(t *testing.T) {
	f, c := setup(t)
	c.Handle(roomcomptest.Stanza(boss, cmd(boss, `enable="true" mediaType="audio"`)))
	if !roomcomptest.Has(f.JSON(guest, comp), `"enabled":true`, `"mediaType":"audio"`, `"actor":"`+room+`/boss"`) {
		t.Fatal("guest not told moderation is on")
	}
	if !roomcomptest.Has(f.JSON(boss, comp), `"whitelists":{"audio":[]}`) {
		t.Error("moderator not sent the (empty) approved list")
	}
	c.Handle(roomcomptest.Stanza(boss, cmd(boss, `mediaType="audio" jidToWhitelist="`+room+`/guest"`)))
	if !roomcomptest.Has(f.JSON(guest, comp), `"approved":true`) {
		t.Error("guest not told it is approved")
	}
	if !roomcomptest.Has(f.JSON(boss, comp), `"whitelists":{"audio":["`+room+`/guest"]}`) {
		t.Error("moderator not sent the approved list")
	}
	f.Join("late@example/l", "r", "late")
	if !roomcomptest.Has(f.JSON("late@example/l", comp), `"enabled":true`, `"mediaType":"audio"`) {
		t.Error("late joiner not told moderation is on")
	}
	c.Handle(roomcomptest.Stanza(boss, cmd(boss, `mediaType="audio" jidToBlacklist="`+room+`/guest"`)))
	if !roomcomptest.Has(f.JSON(guest, comp), `"removed":true`) {
		t.Error("guest not told its approval was withdrawn")
	}
}

// TestNonModeratorRefused: every command from a participant, or from
// someone in no room, changes nothing and tells nobody anything.
func TestNonModeratorRefused(t *testing.T) {
	tests := []struct{ name, from, attrs string }{
		{"enable", guest, `enable="true" mediaType="audio"`},
		{"approve self", guest, `mediaType="audio" jidToWhitelist="` + room + `/guest"`},
		{"withdraw", guest, `mediaType="video" jidToBlacklist="` + room + `/boss"`},
		{"outsider enable", "out@example/o", `enable="true" mediaType="audio"`},
		{"bad media", boss, `enable="true" mediaType="smell"`},
		{"two commands", boss, `enable="true" mediaType="audio" jidToWhitelist="` + room + `/guest"`},
		{"bad enable", boss, `enable="yes" mediaType="audio"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f, c := setup(t)
			c.Handle(roomcomptest.Stanza(tc.from, cmd(tc.from, tc.attrs)))
			for _, who := range []string{boss, guest} {
				if got := f.Take(who); len(got) != 0 {
					t.Errorf("%s was sent %v", who, got)
				}
			}
			c.mu.Lock()
			defer c.mu.Unlock()
			if len(c.state) != 0 {
				t.Errorf("state changed: %+v", c.state)
			}
		})
	}
}

func TestDiscoAndDestroy(t *testing.T) {
	f, c := setup(t)
	c.Handle(roomcomptest.Stanza(guest, `<iq xmlns="jabber:client" type="get" id="d" to="`+comp+`"><query xmlns="http://jabber.org/protocol/disco#info"/></iq>`))
	res := f.Take(guest)
	if len(res) != 1 || res[0].Attr("type") != "result" || !roomcomptest.Has([]string{res[0].String()}, `type="av_moderation"`) {
		t.Fatalf("disco answer %v", res)
	}
	c.Handle(roomcomptest.Stanza(boss, cmd(boss, `enable="true" mediaType="video"`)))
	f.MUC.Destroy("r", "")
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.state) != 0 {
		t.Errorf("state of a destroyed room kept: %+v", c.state)
	}
}

func FuzzParseCommand(f *testing.F) {
	for _, s := range []string{`enable="true" mediaType="audio"`, `mediaType="video" jidToWhitelist="r@c/x"`, `enable="x"`} {
		f.Add(cmd(boss, s))
	}
	f.Fuzz(func(t *testing.T, xml string) {
		el, err := dom.Parse([]byte(xml))
		if err != nil {
			return
		}
		c, ok := ParseCommand(el)
		if ok && c.Media != "audio" && c.Media != "video" && c.Media != "desktop" {
			t.Errorf("accepted media %q", c.Media)
		}
	})
}
