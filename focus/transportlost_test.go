package focus

import (
	"context"
	"testing"
)

// TestTransportLost: the bridge's report that a participant's transport is
// lost ends that session and offers a new one, as the client's own
// ICE-failed notice does; a report for another meeting, an unknown
// endpoint or a session not yet accepted changes nothing.
func TestTransportLost(t *testing.T) {
	for _, tc := range []struct {
		name              string
		accepted          bool
		meeting, endpoint string // "" = the real one
		restart           bool
	}{
		{name: "active session", accepted: true, restart: true},
		{name: "other meeting", accepted: true, meeting: "another-meeting"},
		{name: "unknown endpoint", accepted: true, endpoint: "nobody00"},
		{name: "not accepted yet"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := startFocus(t)
			_, ja := h.join(t, "a@localhost")
			meeting := h.lastAlloc.MeetingID
			if tc.accepted {
				h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
			}
			if tc.meeting != "" {
				meeting = tc.meeting
			}
			ep := "aaaa1111"
			if tc.endpoint != "" {
				ep = tc.endpoint
			}
			h.f.TransportLost(context.Background(), testRoom, meeting, ep)
			if tc.restart {
				expectRestart(t, h, ja)
			} else {
				expectNoRestart(t, h, ja)
			}
		})
	}
}
