package focus

import (
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// TestColibriTimeoutFailover: the conference's bridge keeps answering
// health checks but stops answering Colibri2. The next allocation on it
// times out: the participant already there gets a session-terminate, and
// both are invited again on the other bridge, as is a third whose join was
// queued behind the allocation (never sent to the faulty bridge); while the fault lasts, a new
// conference does not go to the faulty bridge either, though it is the
// least loaded and healthy.
func TestColibriTimeoutFailover(t *testing.T) {
	h := startFocus(t, func(f *Focus) {
		f.iqTimeout = 300 * time.Millisecond
		f.cfg.HealthInterval = 100 * time.Millisecond
	})
	h.deliver(breweryPresence("jvb2", "stress_level", "0.5")) // more loaded: the call starts on jvb1
	h.join(t, "a@localhost")
	a, b := nickOf("a@localhost"), nickOf("b@localhost")
	h.mu.Lock()
	h.muteColibri[testBridge] = true
	h.mu.Unlock()

	c := nickOf("c@localhost")
	h.conferenceIQ(t, "b@localhost/r")
	h.conferenceIQ(t, "c@localhost/r")
	h.deliver(occupantPresence(b, "b@localhost/r", "none", "participant"))
	h.deliver(occupantPresence(c, "c@localhost/r", "none", "participant")) // queued behind b's allocation
	h.next("b's allocation on jvb1, unanswered", func(st *dom.Element) bool {
		return st.Attr("to") == testBridge && st.Child(ns.Colibri2, "conference-modify") != nil
	})
	h.next("session-terminate to a", isJingle(testRoom+"/"+a, jingle.ActionSessionTerminate))
	for _, nick := range []string{a, b, c} {
		h.next("allocation on jvb2 for "+nick, func(st *dom.Element) bool {
			var cm colibri.ConferenceModify
			el := st.Child(ns.Colibri2, "conference-modify")
			if st.Attr("to") != testBrewery+"/jvb2" || el == nil || dom.Unmarshal(el, &cm) != nil {
				return false
			}
			return len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick
		})
		h.next("new session-initiate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionInitiate))
	}
	h.noneSent("c's allocation on the faulted jvb1", func(st *dom.Element) bool {
		var cm colibri.ConferenceModify
		el := st.Child(ns.Colibri2, "conference-modify")
		return st.Attr("to") == testBridge && el != nil && dom.Unmarshal(el, &cm) == nil &&
			len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == c
	})
	h.next("a health check jvb1 answers", func(st *dom.Element) bool {
		return st.Attr("to") == testBridge && st.Child(ns.Healthcheck, "healthcheck") != nil
	})
	if got := h.f.bridges.selectBridge(""); got != testBrewery+"/jvb2" {
		t.Errorf("a new conference would go to %q, want jvb2 while jvb1 is faulted", got)
	}
}

// TestColibriFaultExpires: the fault lasts colibriFaultFor, then the
// bridge, still healthy, is chosen again.
func TestColibriFaultExpires(t *testing.T) {
	b := newBrewery(testAllow)
	b.update(breweryPresence("jvb1", "stress_level", "0.1"))
	b.update(breweryPresence("jvb2", "stress_level", "0.5"))
	tests := []struct {
		name  string
		fault func()
		want  string
	}{
		{"healthy: the least loaded", func() {}, "jvb1"},
		{"faulted", func() { b.faulted(testBridge, time.Now().Add(time.Hour)) }, "jvb2"},
		{"a new presence keeps the fault", func() { b.update(breweryPresence("jvb1", "stress_level", "0")) }, "jvb2"},
		{"a passed health check keeps it", func() { b.checked(testBridge, true) }, "jvb2"},
		{"the fault ended", func() { b.faulted(testBridge, time.Now().Add(-time.Second)) }, "jvb1"},
	}
	for _, tc := range tests { // in order
		tc.fault()
		if got := b.selectBridge(""); got != testBrewery+"/"+tc.want {
			t.Fatalf("%s: selected %q, want %s", tc.name, got, tc.want)
		}
	}
}
