package e2e

import (
	"context"
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
	hibernated := s.meetdLogLine("the session hibernated", "session hibernating")
	resumed := s.meetdLogLine("the session resumed", "session resumed")
	if jid := logField(hibernated, "jid"); jid == "" || jid != logField(resumed, "jid") {
		t.Fatalf("resumed session has another JID:\n%s\n%s", hibernated, resumed)
	}
	s.waitEvent([]int{0}, "reconnected", "")
	t.Logf("resumed %v after the cut", time.Since(start).Round(100*time.Millisecond))
	s.waitStillDecoding(pages)
	for _, p := range pages {
		st, err := s.status(p)
		if err != nil {
			t.Fatal(err)
		}
		if len(st.Errors) > 0 || st.Stage != "joined" || st.MyID != ids[p] {
			t.Fatalf("page %d after resumption: stage %s, id %s (was %s), errors %v", p, st.Stage, st.MyID, ids[p], st.Errors)
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

// meetdLogLine waits for a meetd log line containing every one of parts and returns it.
func (s *session) meetdLogLine(what string, parts ...string) string {
	s.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), leaveLimit)
	defer cancel()
	line, err := s.meetd.waitLog(ctx, parts...)
	if err != nil {
		s.t.Fatalf("%s: %v", what, err)
	}
	s.t.Logf("%s: %s", what, line)
	return line
}

// logField returns the value of key=value in a text log line.
func logField(line, key string) string {
	for _, f := range strings.Fields(line) {
		if v, ok := strings.CutPrefix(f, key+"="); ok {
			return v
		}
	}
	return ""
}
