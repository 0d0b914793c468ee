package polls

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"meetd/xmpp/dom"
	"meetd/xmpp/roomcomp/roomcomptest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const (
	comp = "polls.example"
	a    = "a@example/a"
	b    = "b@example/b"
	late = "late@example/l"
)

func msg(from, json string) *dom.Element {
	m := roomcomptest.Stanza(from, `<message xmlns="jabber:client" to="`+comp+`"><json-message xmlns="http://jitsi.org/jitmeet"></json-message></message>`)
	m.Child("", "json-message").SetText(json)
	return m
}

const newPoll = `{"type":"polls","command":"new-poll","pollId":"p1","question":"Lunch?","answers":[{"name":"Pizza"},{"name":"Soup"}]}`

// TestPollsLateJoiner: a poll and an answer go to every occupant with the
// sender's id; a joiner gets the poll with its voters; bad requests, a
// duplicate poll and answers to unknown polls go nowhere.
func TestPollsLateJoiner(t *testing.T) {
	f := roomcomptest.New(t)
	c := New(comp, f.Rooms(), f, nil)
	f.MUC.AddHook(c.Hook)
	f.Join(a, "r", "alice")
	f.Join(b, "r", "bob")
	f.Take(a)
	f.Take(b)
	c.Handle(msg(a, newPoll))
	if got := f.JSON(b, comp); !roomcomptest.Has(got, `"command":"new-poll"`, `"senderId":"alice"`, `"question":"Lunch?"`) {
		t.Fatalf("bob got %q", got)
	}
	c.Handle(msg(b, `{"type":"polls","command":"answer-poll","pollId":"p1","answers":[false,true]}`))
	if got := f.JSON(a, comp); !roomcomptest.Has(got, `"command":"answer-poll"`, `"senderId":"bob"`, `"answers":[false,true]`) {
		t.Fatalf("alice got %q", got)
	}
	f.Take(b) // its own answer, relayed to everyone
	for _, bad := range []string{
		newPoll, // duplicate
		`{"type":"polls","command":"answer-poll","pollId":"nope","answers":[true]}`,
		`{"type":"polls","command":"new-poll","pollId":"p2","question":"","answers":[{"name":"x"}]}`,
		`{"type":"polls","command":"new-poll","pollId":"p3","question":"q","answers":[]}`,
		`{"type":"polls","command":"answer-poll","pollId":"p1","answers":["yes"]}`,
		`{"type":"polls","command":"old-polls","pollId":"p1","answers":[true]}`,
		`{"type":"polls","command":"new-poll","pollId":"p4","question":"` + strings.Repeat("x", MaxPayload) + `","answers":[{"name":"x"}]}`,
		`not json`,
	} {
		c.Handle(msg(a, bad))
	}
	c.Handle(msg("out@example/o", `{"type":"polls","command":"new-poll","pollId":"p9","question":"q","answers":[{"name":"x"}]}`))
	if got := f.Take(b); len(got) != 0 {
		t.Errorf("bad requests reached bob: %v", got)
	}
	f.Join(late, "r", "late")
	got := f.JSON(late, comp)
	if !roomcomptest.Has(got, `"command":"old-polls"`, `"pollId":"p1"`, `"question":"Lunch?"`,
		`{"name":"Soup","voters":[{"id":"bob","name":"bob"}]}`) || roomcomptest.Has(got, `p9`) {
		t.Errorf("late joiner got %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(newPoll)
	f.Add(`{"type":"polls","command":"answer-poll","pollId":"p1","answers":[true,false]}`)
	f.Add(`{"type":"polls","command":"new-poll","pollId":"p","question":"q","answers":[{"name":1}]}`)
	f.Fuzz(func(t *testing.T, text string) {
		p, ok := Parse(text)
		if !ok {
			return
		}
		if p.PollID == "" || len(text) >= MaxPayload || (p.Command == cmdNew && len(p.names) != len(p.Answers)) ||
			(p.Command == cmdAnswer && len(p.votes) != len(p.Answers)) {
			t.Errorf("accepted %q as %+v", text, p)
		}
	})
}
