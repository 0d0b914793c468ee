package focus

import (
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/jingle"
	"meetd/xmpp/stanza"
)

// TestRestartStorm is issue 11 defect 5 and docs/bad-input.md#j5: 300
// terminate-and-restart cycles made 300 bridge conferences. Now a restart
// right after another is refused with resource-constraint and the session
// stays (no endpoint expired, no new offer); the first one works.
func TestRestartStorm(t *testing.T) {
	h := startFocus(t)
	_, ja := h.join(t, "a@localhost")
	h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
	restart := func(sid, bridgeSession string) *jingle.Jingle {
		return &jingle.Jingle{Action: jingle.ActionSessionTerminate, SID: sid,
			BridgeSession: &jingle.BridgeSession{ID: bridgeSession, Restart: true}}
	}
	if res := h.clientIQ(t, "aaaa1111", restart(ja.SID, ja.BridgeSession.ID)); res.Attr("type") != "result" {
		t.Fatalf("first restart: %s", res)
	}
	h.next("expire endpoint", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	again := parsed(t, h.next("new session-initiate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionInitiate)))
	h.clientIQ(t, "aaaa1111", accept(t, again.SID, 0))
	for i := 0; i < 20; i++ {
		res := h.clientIQ(t, "aaaa1111", restart(again.SID, again.BridgeSession.ID))
		if res.Attr("type") != "error" || stanza.ErrorCondition(res) != "resource-constraint" {
			t.Fatalf("restart %d right after the first: %s", i+2, res)
		}
	}
	h.noneSent("endpoint expired by a refused restart", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	// The session is intact: a plain terminate still ends it.
	term := &jingle.Jingle{Action: jingle.ActionSessionTerminate, SID: again.SID}
	if res := h.clientIQ(t, "aaaa1111", term); res.Attr("type") != "result" {
		t.Fatalf("terminate after refused restarts: %s", res)
	}
}

func TestRestartLimiter(t *testing.T) {
	t0 := time.Unix(1_000_000, 0)
	tests := []struct {
		name  string
		after []time.Duration // offsets from t0 of earlier, allowed restarts
		at    time.Duration
		want  bool
	}{
		{"first", nil, 0, true},
		{"4 s after the last", []time.Duration{0}, 4 * time.Second, false},
		{"5 s after the last", []time.Duration{0}, 5 * time.Second, true},
		{"sixth within a minute", []time.Duration{0, 6e9, 12e9, 18e9, 24e9}, 30 * time.Second, false},
		{"sixth once the first is a minute old", []time.Duration{0, 6e9, 12e9, 18e9, 24e9}, 60 * time.Second, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var l restartLimiter
			for _, d := range tt.after {
				if !l.allow(t0.Add(d)) {
					t.Fatalf("setup restart at %v refused", d)
				}
			}
			if got := l.allow(t0.Add(tt.at)); got != tt.want {
				t.Fatalf("allow at %v = %v, want %v", tt.at, got, tt.want)
			}
		})
	}
}
