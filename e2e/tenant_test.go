package e2e

import "testing"

// TestTenantCall: two clients load /acme/config.js (hosts.muc = conference.acme.localhost, as Jitsi maps
// /<tenant>/<room>) and hold a call in the tenant's room.
func TestTenantCall(t *testing.T) {
	s := newSessionConfig(t, "[web]", `tenants = ["acme"]`)
	s.configPath = "/acme/config.js"
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "standup")
		if st, err := s.status(p); err != nil || st.Config != "config.js" {
			t.Fatalf("page %d did not use /acme/config.js (%q, %v)", p, st.Config, err)
		}
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	s.waitMeetdLog("the focus ran the tenant's room", "room=standup@conference.acme.localhost")
}
