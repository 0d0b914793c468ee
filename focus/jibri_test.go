package focus

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

type fakeRecording struct {
	mu      sync.Mutex
	updates [][]RecordingParticipant
	stopped bool
	done    func(RecordingResult)
}

func (s *fakeRecording) ID() string { return "sess-1" }

func (s *fakeRecording) Update(ps []RecordingParticipant) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.updates = append(s.updates, append([]RecordingParticipant(nil), ps...))
}

func (s *fakeRecording) Stop() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.stopped = true
}

func (s *fakeRecording) consented() map[string]bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]bool{}
	if len(s.updates) > 0 {
		for _, p := range s.updates[len(s.updates)-1] {
			out[p.Endpoint] = p.Consented
		}
	}
	return out
}

type fakeRecorder struct {
	mu   sync.Mutex
	last *fakeRecording
	fail error
}

func (r *fakeRecorder) StartRecording(_ context.Context, s RecordingStart, done func(RecordingResult)) (RecordingSession, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.fail != nil {
		return nil, r.fail
	}
	if s.Room != testRoom || s.MeetingID != testMeetingID {
		return nil, errors.New("wrong room")
	}
	r.last = &fakeRecording{done: done}
	return r.last, nil
}

func (r *fakeRecorder) session() *fakeRecording {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.last
}

// jibriIQ sends a Jibri request from nick and returns the focus's answer.
func (h *harness) jibriIQ(nick, action, mode, stream string) *dom.Element {
	id := "jibri-" + nick + "-" + action + stanza.NewID()[:4]
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", testRoom+"/"+nick).
		SetAttr("to", testRoom+"/focus").SetAttr("id", id)
	j := iq.AddNew(ns.Jibri, "jibri").SetAttr("action", action).SetAttr("recording_mode", mode)
	if stream != "" {
		j.SetAttr("streamid", stream)
	}
	h.deliver(iq)
	return h.next("answer to "+id, isResultTo(testRoom+"/"+nick, id))
}

func isRecordingStatus(status string) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		s := st.Child(ns.Jibri, "jibri-recording-status")
		return st.Local == "presence" && st.Attr("to") == testRoom+"/focus" && s.Attr("status") == status
	}
}

func isMessageTo(nick, contains string) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		return st.Local == "message" && st.Attr("to") == testRoom+"/"+nick &&
			strings.Contains(st.Child(ns.Client, "body").Text, contains)
	}
}

// mutePresence is a participant's presence with the legacy mute elements.
func mutePresence(nick, real, aff, role string, muted bool) *dom.Element {
	p := occupantPresence(nick, real, aff, role)
	v := "false"
	if muted {
		v = "true"
	}
	p.AddNew(ns.MuteAudio, "audiomuted").SetText(v)
	p.AddNew(ns.MuteVideo, "videomuted").SetText(v)
	p.AddNew(ns.Nick, "nick").SetText("Name of " + nick)
	return p
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitLimit)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("never: %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func TestJibriRecording(t *testing.T) {
	rec := &fakeRecorder{}
	h := startFocus(t, func(f *Focus) { f.cfg.Recorder = rec })
	const a, b, c = "aaaa1111", "bbbb1111", "cccc1111"
	h.join(t, "a@localhost")
	h.join(t, "b@localhost")
	h.join(t, "c@localhost")

	if res := h.jibriIQ(b, "start", "file", ""); stanza.ErrorCondition(res) != "not-allowed" {
		t.Fatalf("non-moderator start: %s", res)
	}
	if res := h.jibriIQ("zzzz9999", "start", "file", ""); stanza.ErrorCondition(res) != "forbidden" {
		t.Fatalf("non-occupant start: %s", res)
	}
	if res := h.jibriIQ(a, "stop", "file", ""); stanza.ErrorCondition(res) != "item-not-found" {
		t.Fatalf("stop of nothing: %s", res)
	}
	if res := h.jibriIQ(a, "start", "file", "key"); stanza.ErrorCondition(res) != "bad-request" {
		t.Fatalf("file with streamid: %s", res)
	}
	if res := h.jibriIQ(a, "start", "stream", "key"); stanza.ErrorCondition(res) != "service-unavailable" {
		t.Fatalf("live stream: %s", res)
	}
	res := h.jibriIQ(a, "start", "file", "")
	if res.Attr("type") != "result" || res.Child(ns.Jibri, "jibri").Attr("session_id") != "sess-1" {
		t.Fatalf("start: %s", res)
	}
	on := h.next("status on", isRecordingStatus("on")).Child(ns.Jibri, "jibri-recording-status")
	if on.Attr("session_id") != "sess-1" || on.Attr("initiator") != testRoom+"/"+a || on.Attr("recording_mode") != "file" {
		t.Fatalf("status on: %s", on)
	}
	h.next("consent summary to the moderator", isMessageTo(a, "not (yet) given: "))
	if res := h.jibriIQ(a, "start", "file", ""); stanza.ErrorCondition(res) != "unexpected-request" {
		t.Fatalf("second start: %s", res)
	}

	// A started it: that is A's consent (the web app asks everyone else).
	s := rec.session()
	waitFor(t, "A's consent by starting", func() bool { return s.consented()[a] && !s.consented()[b] })
	// B: unmuted before seeing the dialog counts for nothing; muted then unmuted is consent.
	h.deliver(mutePresence(b, "b@localhost/r", "none", "participant", false))
	h.deliver(mutePresence(b, "b@localhost/r", "none", "participant", true))
	waitFor(t, "B still without consent", func() bool { return len(s.consented()) == 3 && !s.consented()[b] })
	h.deliver(mutePresence(b, "b@localhost/r", "none", "participant", false))
	waitFor(t, "B's consent", func() bool { return s.consented()[b] && !s.consented()[c] })
	h.next("summary naming B", isMessageTo(a, "Name of "+b))

	// C consents through SourceInfo (current clients).
	for _, muted := range []string{"true", "false"} {
		p := occupantPresence(c, "c@localhost/r", "none", "participant")
		p.AddNew(ns.Client, "SourceInfo").SetText(`{"` + c + `-a0":{"muted":` + muted + `},"` + c + `-v0":{"muted":true}}`)
		h.deliver(p)
	}
	waitFor(t, "C's consent", func() bool { return s.consented()[c] })

	if res := h.jibriIQ(a, "stop", "file", ""); res.Attr("type") != "result" {
		t.Fatalf("stop: %s", res)
	}
	off := h.next("status off", isRecordingStatus("off")).Child(ns.Jibri, "jibri-recording-status")
	if off.Attr("initiator") != testRoom+"/"+a {
		t.Fatalf("status off: %s", off)
	}
	waitFor(t, "recorder stopped", func() bool { s.mu.Lock(); defer s.mu.Unlock(); return s.stopped })
	s.done(RecordingResult{URL: "https://localhost/recordings/TOKEN", Expires: time.Now().Add(time.Hour), People: 2, Stopped: true})
	h.next("link to the moderator", isMessageTo(a, "https://localhost/recordings/TOKEN"))
	h.noneSent("link to a participant", isMessageTo(b, "recordings/TOKEN"))
}

func TestJibriFailure(t *testing.T) {
	rec := &fakeRecorder{}
	h := startFocus(t, func(f *Focus) { f.cfg.Recorder = rec })
	const a = "aaaa1111"
	h.join(t, "a@localhost")
	if res := h.jibriIQ(a, "start", "file", ""); res.Attr("type") != "result" {
		t.Fatalf("start: %s", res)
	}
	h.next("status on", isRecordingStatus("on"))
	rec.session().done(RecordingResult{ID: "sess-1", Err: errors.New("disk full")})
	off := h.next("status off after failure", isRecordingStatus("off")).Child(ns.Jibri, "jibri-recording-status")
	if off.Attr("failure_reason") != "error" {
		t.Fatalf("status: %s", off)
	}
	h.next("everyone told", func(st *dom.Element) bool {
		return st.Local == "message" && st.Attr("type") == "groupchat" && strings.Contains(st.Child(ns.Client, "body").Text, "call goes on")
	})
	// The room can record again.
	if res := h.jibriIQ(a, "start", "file", ""); res.Attr("type") != "result" {
		t.Fatalf("restart: %s", res)
	}
}

func TestJibriWithoutRecorder(t *testing.T) {
	h := startFocus(t)
	h.join(t, "a@localhost")
	if res := h.jibriIQ("aaaa1111", "start", "file", ""); stanza.ErrorCondition(res) != "service-unavailable" {
		t.Fatalf("start without recorder: %s", res)
	}
}

func TestJibriRecorderRefuses(t *testing.T) {
	rec := &fakeRecorder{fail: errors.New("no space")}
	h := startFocus(t, func(f *Focus) { f.cfg.Recorder = rec })
	h.join(t, "a@localhost")
	if res := h.jibriIQ("aaaa1111", "start", "file", ""); stanza.ErrorCondition(res) != "resource-constraint" {
		t.Fatalf("start refused by the recorder: %s", res)
	}
	h.noneSent("status on", isRecordingStatus("on"))
}

func TestMutedState(t *testing.T) {
	tests := []struct {
		name         string
		children     func(p *dom.Element)
		muted, known bool
	}{
		{"nothing", func(p *dom.Element) {}, false, false},
		{"legacy both muted", func(p *dom.Element) {
			p.AddNew(ns.MuteAudio, "audiomuted").SetText("true")
			p.AddNew(ns.MuteVideo, "videomuted").SetText("true")
		}, true, true},
		{"legacy audio on", func(p *dom.Element) {
			p.AddNew(ns.MuteAudio, "audiomuted").SetText("false")
			p.AddNew(ns.MuteVideo, "videomuted").SetText("true")
		}, false, true},
		{"legacy without namespace (2021 lib-jitsi-meet)", func(p *dom.Element) {
			p.AddNew(ns.Client, "audiomuted").SetText("true")
			p.AddNew(ns.Client, "videomuted").SetText("true")
		}, true, true},
		{"sourceinfo all muted", func(p *dom.Element) {
			p.AddNew(ns.Client, "SourceInfo").SetText(`{"x-a0":{"muted":true},"x-v0":{"muted":true}}`)
		}, true, true},
		{"sourceinfo video on", func(p *dom.Element) {
			p.AddNew(ns.Client, "SourceInfo").SetText(`{"x-a0":{"muted":true},"x-v0":{"muted":false}}`)
		}, false, true},
		{"sourceinfo garbage falls back", func(p *dom.Element) {
			p.AddNew(ns.Client, "SourceInfo").SetText(`{{`)
		}, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := dom.New(ns.Client, "presence")
			tc.children(p)
			m, k := mutedState(p)
			if m != tc.muted || k != tc.known {
				t.Fatalf("got %v %v, want %v %v", m, k, tc.muted, tc.known)
			}
		})
	}
}
