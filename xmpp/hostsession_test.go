package xmpp

import (
	"testing"
	"time"

	"mellium.im/xmpp/jid"
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

func TestSourceOfGroupsIPv6(t *testing.T) {
	env := newEnv(t)
	for _, tc := range []struct{ remote, want string }{
		{"192.0.2.7:5000", "192.0.2.7"},
		{"[2001:db8:1:2:3:4:5:6]:443", "2001:db8:1:2::/64"},
		{"[::ffff:192.0.2.8]:1", "192.0.2.8"},
		{"", ""},
	} {
		t.Run(tc.remote, func(t *testing.T) {
			j := jid.MustParse("u@localhost/" + randomID(4))
			sess := &session{jid: j, q: newQueue(1), remote: tc.remote}
			if err := env.srv.router.add(sess); err != nil {
				t.Fatal(err)
			}
			if got := env.srv.sourceOf(j); got != tc.want {
				t.Fatalf("sourceOf(%q) = %q, want %q", tc.remote, got, tc.want)
			}
		})
	}
}
