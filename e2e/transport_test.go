package e2e

import (
	"strings"
	"testing"
	"time"
)

// TestBOSHCall: two clients hold the call over BOSH (/http-bind) instead of the WebSocket: the service URL
// is config.js's bosh URL. (Current lib-jitsi-meet builds refuse the old "bosh" option but still take an
// https:// service URL, which strophe.js serves with BOSH.)
func TestBOSHCall(t *testing.T) {
	s := newSession(t)
	s.transport = "bosh"
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "boshcall")
	}
	ids := s.waitJoined(pages)
	for _, p := range pages {
		st, err := s.status(p)
		if err != nil {
			t.Fatal(err)
		}
		if !connectedVia(st, "/http-bind") {
			t.Fatalf("page %d did not connect over BOSH: %+v", p, st.Events)
		}
	}
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
}

// TestStreamResume: a client whose WebSocket drops resumes its XMPP stream (XEP-0198) on a new socket
// within the hibernation time and stays in the call: media keeps flowing and the other side sees no
// USER_LEFT.
func TestStreamResume(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "resume")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	var cut bool
	if err := s.eval(0, "meetdTest.cutSocket()", &cut); err != nil || !cut {
		t.Fatalf("cut the WebSocket of page 0: %v (found: %v)", err, cut)
	}
	start := time.Now()
	s.waitMeetdLog("the session hibernated", "session hibernating")
	s.waitMeetdLog("the session resumed", "session resumed")
	s.waitEvent([]int{0}, "reconnected", "")
	t.Logf("resumed %v after the cut", time.Since(start).Round(100*time.Millisecond))
	s.waitStillDecoding(pages)
	for _, p := range pages {
		st, err := s.status(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Errors) > 0 || st.Stage != "joined" {
			t.Fatalf("page %d after resumption: stage %s, errors %v", p, st.Stage, st.Errors)
		}
	}
	if st, _ := s.status(1); st.hasEvent("user left", ids[0]) {
		t.Fatalf("page 1 saw page 0 leave although its stream resumed")
	}
}

// connectedVia reports whether the page's connected event names a service URL containing path.
func connectedVia(st pageStatus, path string) bool {
	for _, e := range st.Events {
		if e.Kind == "connected" && strings.Contains(e.Detail, path) {
			return true
		}
	}
	return false
}
