package focus

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const testRecorderJID = "recorder@recorder.localhost/sess-1"

func isRecorderPresence(typ string) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		return st.Local == "presence" && st.Attr("to") == testRoom+"/"+recorderNick &&
			st.Attr("from") == testRecorderJID && st.Attr("type") == typ
	}
}

// sentIndex is the position of st among everything the focus sent.
func (n *fakeNet) sentIndex(st *dom.Element) int {
	n.mu.Lock()
	defer n.mu.Unlock()
	for i, x := range n.sent {
		if x == st {
			return i
		}
	}
	return -1
}

// TestJibriRecorderOccupant: a recording adds a recorder occupant from the
// hidden domain, after the status presence (whose initiator the web app needs
// to ask for consent), with the session ID and mode the current
// lib-jitsi-meet reads and VP8 as its only video codec; it leaves when the recording stops, and the focus
// neither treats its presence as a participant's nor answers for it.
func TestJibriRecorderOccupant(t *testing.T) {
	tests := []struct {
		name string
		end  func(h *harness, rec *fakeRecorder)
	}{
		{"stopped by the moderator", func(h *harness, _ *fakeRecorder) {
			if res := h.jibriIQ("aaaa1111", "stop", "file", ""); res.Attr("type") != "result" {
				h.t.Fatalf("stop: %s", res)
			}
		}},
		{"ended by a failure", func(_ *harness, rec *fakeRecorder) {
			rec.session().done(RecordingResult{ID: "sess-1", Err: errDiskFullForTest{}})
		}},
		{"the last participant left", func(h *harness, _ *fakeRecorder) {
			h.deliver(dom.New(ns.Client, "presence").SetAttr("from", testRoom+"/aaaa1111").SetAttr("type", "unavailable"))
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &fakeRecorder{}
			h := startFocus(t, func(f *Focus) { f.cfg.Recorder = rec })
			h.join(t, "a@localhost")
			if res := h.jibriIQ("aaaa1111", "start", "file", ""); res.Attr("type") != "result" {
				t.Fatalf("start: %s", res)
			}
			status := h.next("status on", isRecordingStatus("on"))
			join := h.next("recorder join", isRecorderPresence(""))
			if h.sentIndex(join) < h.sentIndex(status) {
				t.Errorf("the recorder joined before the focus's status presence")
			}
			if join.Child(ns.Client, "session_id").Text != "sess-1" || join.Child(ns.Client, "mode").Text != "file" ||
				join.Child(ns.MUC, "x") == nil || join.Child(ns.Client, "jitsi_participant_codecList").Text != "vp8" {
				t.Errorf("recorder presence: %s", join)
			}
			// The MUC reflects the recorder's presence to the focus, and sends
			// the room's traffic to the recorder's own address too.
			h.deliver(occupantPresence(recorderNick, testRecorderJID, "none", "participant"))
			ping := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("id", "p1").
				SetAttr("from", testRoom+"/bbbb1111").SetAttr("to", testRecorderJID)
			ping.AddNew("urn:xmpp:ping", "ping")
			h.deliver(ping)
			h.next("ping to the recorder refused", func(st *dom.Element) bool {
				return st.Local == "iq" && st.Attr("id") == "p1" && st.Attr("type") == "error"
			})
			h.noneSent("an offer to the recorder", isJingle(testRoom+"/"+recorderNick, "session-initiate"))
			if got := len(rec.session().consented()); got != 1 {
				t.Errorf("the recorder counts as a participant: %d in the recording", got)
			}
			tc.end(h, rec)
			h.next("recorder leaves", isRecorderPresence("unavailable"))
		})
	}
}

type errDiskFullForTest struct{}

func (errDiskFullForTest) Error() string { return "disk full" }

// TestJibriConsentAtStart: the moderator who starts a recording has consented
// (the web app does not ask them); a participant who was already fully muted
// when it started consents by unmuting (the consent dialog's mute changed
// nothing in their presence); one who was unmuted must mute first.
func TestJibriConsentAtStart(t *testing.T) {
	rec := &fakeRecorder{}
	h := startFocus(t, func(f *Focus) { f.cfg.Recorder = rec })
	const a, b, c = "aaaa1111", "bbbb1111", "cccc1111"
	h.join(t, "a@localhost")
	h.join(t, "b@localhost")
	h.join(t, "c@localhost")
	h.deliver(mutePresence(b, "b@localhost/r", "none", "participant", true))
	h.deliver(mutePresence(c, "c@localhost/r", "none", "participant", false))
	if res := h.jibriIQ(a, "start", "file", ""); res.Attr("type") != "result" {
		t.Fatalf("start: %s", res)
	}
	s := rec.session()
	waitFor(t, "the initiator's consent", func() bool { return s.consented()[a] })
	h.deliver(mutePresence(b, "b@localhost/r", "none", "participant", false))
	h.deliver(mutePresence(c, "c@localhost/r", "none", "participant", false))
	waitFor(t, "B's consent by unmuting", func() bool { return s.consented()[b] })
	if s.consented()[c] {
		t.Fatal("C consented without having been muted after the start")
	}
}
