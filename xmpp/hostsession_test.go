package xmpp

import (
	"testing"
	"time"
)

func TestHostSessions(t *testing.T) {
	now := time.Unix(1_800_000_000, 0)
	var h hostSessions
	id := h.issue(now)
	tests := []struct {
		name string
		id   string
		at   time.Time
		want bool
	}{
		{"issued", id, now, true},
		{"later the same day", id, now.Add(hostSessionTTL - time.Second), true},
		{"expired", id, now.Add(hostSessionTTL + time.Second), false},
		{"unknown", "0123456789abcdef0123456789abcdef", now, false},
		{"empty", "", now, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := h.valid(tc.id, tc.at); got != tc.want {
				t.Fatalf("valid(%q) = %v, want %v", tc.id, got, tc.want)
			}
		})
	}
	t.Run("bounded", func(t *testing.T) {
		for range maxHostSessions + 10 {
			h.issue(now)
		}
		if n := len(h.ids); n > maxHostSessions {
			t.Fatalf("%d ids kept, max %d", n, maxHostSessions)
		}
	})
}
