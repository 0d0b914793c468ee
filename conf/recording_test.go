package conf

import (
	"errors"
	"path/filepath"
	"testing"
)

func TestRecordingValues(t *testing.T) {
	tests := []struct {
		name, doc string
		badKey    string // "" = valid
	}{
		{"defaults", "", ""},
		{"off", "[recording]\nenabled = \"off\"", ""},
		{"enabled typo", "[recording]\nenabled = \"yes\"", "recording.enabled"},
		{"link outlives file", "[recording]\nlink_ttl = 40", "recording.link_ttl"},
		{"keep zero", "[recording]\nkeep = 0", "recording.keep"},
		{"no ffmpeg", "[recording]\nffmpeg = \"\"", "recording.ffmpeg"},
		{"too long", "[recording]\nmax_minutes = 601", "recording.max_minutes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Parse([]byte(tc.doc))
			if tc.badKey == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ke *KeyError
			if !errors.As(err, &ke) || ke.Key != tc.badKey {
				t.Fatalf("err %v, want a KeyError for %s", err, tc.badKey)
			}
		})
	}
}

func TestRecordingDir(t *testing.T) {
	c := Default()
	if got, want := c.RecordingDir(), filepath.Join("meetd-state", "recordings"); got != want {
		t.Fatalf("dir %q, want %q", got, want)
	}
	c.Recording.Dir = "/srv/rec"
	if c.RecordingDir() != "/srv/rec" {
		t.Fatal(c.RecordingDir())
	}
}
