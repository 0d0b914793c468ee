package focus

import (
	"testing"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// TestICEFailedSessionInfo: the ICE-failed notification a client sends in a
// session-info (what lib-jitsi-meet does with config.enableIceRestart)
// makes the focus end that bridge session and offer a new one, as Jicofo
// does; other session-info payloads are answered without touching the
// session.
func TestICEFailedSessionInfo(t *testing.T) {
	info := func(sid, state, bridgeSession string) *jingle.Jingle {
		j := &jingle.Jingle{Action: jingle.ActionSessionInfo, SID: sid, ICEState: state}
		if bridgeSession != "" {
			j.BridgeSession = &jingle.BridgeSession{ID: bridgeSession}
		}
		return j
	}
	for _, tc := range []struct {
		name       string
		state      string
		oldSession bool // the notice names a bridge session that is not the current one
		restart    bool
	}{
		{name: "failed, current bridge session", state: "failed", restart: true},
		{name: "failed, old bridge session", state: "failed", oldSession: true},
		{name: "other ice state", state: "checking"},
		{name: "ping (empty)"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startFocus(t)
			_, ja := h.join(t, "a@localhost")
			h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
			bs := ja.BridgeSession.ID
			if tc.oldSession {
				bs = "00000000"
			}
			if tc.state == "" {
				bs = ""
			}
			if res := h.clientIQ(t, "aaaa1111", info(ja.SID, tc.state, bs)); res.Attr("type") != "result" {
				t.Fatalf("answer: %s", res)
			}
			if tc.restart {
				expectRestart(t, h, ja)
			} else {
				expectNoRestart(t, h, ja)
			}
		})
	}
	t.Run("unknown payload", func(t *testing.T) {
		h := startFocus(t)
		_, ja := h.join(t, "a@localhost")
		j := &jingle.Jingle{Action: jingle.ActionSessionInfo, SID: ja.SID, StartMuted: &jingle.StartMuted{Audio: true}}
		if res := h.clientIQ(t, "aaaa1111", j); res.Attr("type") != "error" {
			t.Fatalf("answer to an unknown session-info: %s", res)
		}
	})
}

// expectNoRestart checks that the focus neither ended aaaa1111's session
// ja nor expired its endpoint. The room handles one stanza at a time: once
// a later ping is answered, whatever came before has been sent.
func expectNoRestart(t *testing.T, h *harness, ja *jingle.Jingle) {
	t.Helper()
	ping := &jingle.Jingle{Action: jingle.ActionSessionInfo, SID: ja.SID}
	if res := h.clientIQ(t, "aaaa1111", ping); res.Attr("type") != "result" {
		t.Fatalf("ping answer: %s", res)
	}
	h.noneSent("session-terminate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionTerminate))
	h.noneSent("session ended", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
}

// expectRestart checks that the focus ended aaaa1111's session ja (a
// session-terminate, the endpoint expired) and offered a new one.
func expectRestart(t *testing.T, h *harness, ja *jingle.Jingle) {
	t.Helper()
	term := parsed(t, h.next("session-terminate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionTerminate)))
	if term.SID != ja.SID {
		t.Errorf("terminate of sid %q, want %q", term.SID, ja.SID)
	}
	h.next("old endpoint expired", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	again := parsed(t, h.next("new session-initiate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionInitiate)))
	if again.SID == ja.SID || again.BridgeSession == nil || again.BridgeSession.ID == ja.BridgeSession.ID {
		t.Errorf("new session reuses sid or bridge session: %+v", again)
	}
}
