package conf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestFocusExample: focus.example.toml is a valid focus host config.
func TestFocusExample(t *testing.T) {
	c, err := LoadFocusHost(filepath.Join("..", "focus.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.XMPP.Component != "focus.meet.example.com" || c.XMPP.MUC != "conference.meet.example.com" ||
		c.XMPP.Brewery != "jvbbrewery@internal.auth.meet.example.com" || !slices.Equal(c.Bridges.Allow, []string{"jvb@auth.meet.example.com"}) {
		t.Errorf("example read as %+v", c)
	}
}

func TestFocusHostProblems(t *testing.T) {
	base := "domain = \"x.example\"\n[xmpp]\nserver = \"127.0.0.1:5347\"\nsecret_file = \"s\"\n"
	tests := []struct {
		name  string
		toml  string
		want  []string // key paths named in the error
		isErr error
	}{
		{"valid", base, nil, nil},
		{"unknown key with suggestion", base + "[bridges]\nallw = []\n", []string{"bridges.allw", "did you mean bridges.allow"}, ErrUnknownKey},
		{"builtin is not for the focus", base + "[bridges]\nbuiltin = true\n", []string{"bridges.builtin"}, ErrBadValue},
		{"empty allow", base + "[bridges]\nallow = []\n", []string{"bridges.allow"}, ErrBadValue},
		{"allow with a resource", base + "[bridges]\nallow = [\"jvb@auth.x.example/r\"]\n", []string{"bridges.allow"}, ErrBadValue},
		{"codecs without vp8", base + "[media]\ncodecs = [\"vp9\"]\n", []string{"media.codecs"}, ErrBadValue},
		{"every problem at once", "[xmpp]\nserver = \"nope\"\ncomponent = \"a@b\"\nbrewery = \"room\"\n[log]\nlevel = \"loud\"\n",
			[]string{"domain", "xmpp.server", "xmpp.component", "xmpp.secret_file", "xmpp.brewery", "log.level"}, ErrBadValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "focus.toml")
			if err := os.WriteFile(path, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			c, err := LoadFocusHost(path)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
				}
				if c.XMPP.Component != "focus.x.example" || !slices.Equal(c.Bridges.Allow, []string{"auth.x.example"}) {
					t.Errorf("defaults %+v", c)
				}
				return
			}
			if err == nil || !errors.Is(err, tc.isErr) {
				t.Fatalf("err = %v, want %v", err, tc.isErr)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error does not name %q:\n%v", w, err)
				}
			}
		})
	}
}
