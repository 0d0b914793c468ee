package focus

import "testing"

func TestValidMeetingID(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"2c6f0a1e-0000-4000-8000-00000000feed", true},
		{"", false},
		{"a/b", false},
		{"a?pwd=x", false},
		{string(make([]byte, 65)), false},
	}
	for _, tc := range tests {
		t.Run(tc.id, func(t *testing.T) {
			if got := validMeetingID(tc.id); got != tc.want {
				t.Errorf("validMeetingID(%q) = %v", tc.id, got)
			}
		})
	}
}

func TestJIDHelpers(t *testing.T) {
	tests := []struct{ in, bare, res string }{
		{"room@conference.localhost/nick", "room@conference.localhost", "nick"},
		{"focus.localhost", "focus.localhost", ""},
		{"a@b/c/d", "a@b", "c/d"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if bareJID(tc.in) != tc.bare || resourceOf(tc.in) != tc.res {
				t.Errorf("%q → %q %q", tc.in, bareJID(tc.in), resourceOf(tc.in))
			}
		})
	}
}
