package web

import "testing"

// TestConfigJSAnonymousDomain: with guests_wait_for_host, config.js names the
// guests' host (hosts.anonymousdomain), as a Jitsi "secure domain" install
// does, so the web app's login dialog logs hosts in on hosts.domain; without
// it the key is absent (guests log in on hosts.domain).
func TestConfigJSAnonymousDomain(t *testing.T) {
	for _, tc := range []struct {
		name string
		wait bool
		want any
	}{
		{"guests wait for a host", true, "guest.meet.example.com"},
		{"default", false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			cfg.Domain = "meet.example.com"
			cfg.Auth.GuestsWaitForHost = tc.wait
			s := newTestServer(t, cfg, Options{PublicURL: mustURL(t, "https://meet.example.com")})
			m := parseConfigJS(t, getConfigJS(t, s))
			if got := lookup(m, "hosts", "anonymousdomain"); got != tc.want {
				t.Errorf("hosts.anonymousdomain = %v, want %v", got, tc.want)
			}
			if got := lookup(m, "hosts", "domain"); got != "meet.example.com" {
				t.Errorf("hosts.domain = %v", got)
			}
		})
	}
}
