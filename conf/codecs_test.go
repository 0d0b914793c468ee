package conf

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestMediaCodecs(t *testing.T) {
	tests := []struct {
		name  string
		input string
		want  []string // nil: an error naming key
		key   string
	}{
		{"default", "", []string{"av1", "vp9", "vp8", "h264"}, ""},
		{"reordered", "[media]\ncodecs = [\"vp8\", \"h264\"]", []string{"vp8", "h264"}, ""},
		{"vp8 only", "[media]\ncodecs = [\"vp8\"]", []string{"vp8"}, ""},
		{"unknown", "[media]\ncodecs = [\"vp8\", \"hevc\"]", nil, "media.codecs[1]"},
		{"upper case", "[media]\ncodecs = [\"VP8\"]", nil, "media.codecs[0]"},
		{"twice", "[media]\ncodecs = [\"vp8\", \"vp9\", \"vp8\"]", nil, "media.codecs[2]"},
		{"without vp8", "[media]\ncodecs = [\"vp9\"]", nil, "media.codecs"},
		{"empty", "[media]\ncodecs = []", nil, "media.codecs"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.input))
			if tt.want == nil {
				if !errors.Is(err, ErrBadValue) || !strings.Contains(err.Error(), tt.key) {
					t.Fatalf("Parse = %v, want ErrBadValue naming %s", err, tt.key)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(c.Media.Codecs, tt.want) {
				t.Errorf("codecs = %v, want %v", c.Media.Codecs, tt.want)
			}
		})
	}
}
