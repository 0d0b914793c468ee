package focus

import "testing"

func TestIsConferenceMUC(t *testing.T) {
	f := &Focus{cfg: Config{Domain: "localhost", TenantMUCDomains: []string{"conference.acme.localhost"}}.withDefaults()}
	tests := []struct {
		domain string
		want   bool
	}{
		{"conference.localhost", true},
		{"conference.acme.localhost", true},
		{"conference.other.localhost", false},
		{"internal.auth.localhost", false},
		{"elsewhere", false},
	}
	for _, tt := range tests {
		t.Run(tt.domain, func(t *testing.T) {
			if got := f.isConferenceMUC(tt.domain); got != tt.want {
				t.Errorf("isConferenceMUC(%q) = %v, want %v", tt.domain, got, tt.want)
			}
		})
	}
}
