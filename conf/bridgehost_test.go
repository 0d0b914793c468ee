package conf

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestBridgeExample: bridge.example.toml is a valid bridge host config.
func TestBridgeExample(t *testing.T) {
	c, err := LoadBridgeHost(filepath.Join("..", "bridge.example.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if c.XMPP.JID != "jvb@auth.meet.example.com" || c.Media.Listen != ":10000" || c.HTTP.Listen != ":8443" {
		t.Errorf("example read as %+v", c)
	}
}

func TestBridgeHostProblems(t *testing.T) {
	base := "[xmpp]\nserver = \"x:5222\"\njid = \"jvb@auth.x\"\npassword_file = \"p\"\nbrewery = \"b@internal.auth.x\"\n" +
		"[media]\nadvertise = [\"192.0.2.1\"]\n"
	tests := []struct {
		name  string
		toml  string
		want  []string // key paths named in the error
		isErr error
	}{
		{"valid", base, nil, nil},
		{"unknown key with suggestion", base + "[http]\nlistn = \":1\"\n", []string{"http.listn", "did you mean http.listen"}, ErrUnknownKey},
		{"wrong type", "capacity_pps = \"lots\"\n" + base, []string{"capacity_pps"}, ErrWrongType},
		{"bad id", "id = \"jvb/1\"\n" + base, []string{"id:"}, ErrBadValue},
		{"jid and component", strings.Replace(base, "jid =", "component = \"jvb.x\"\njid =", 1), []string{"xmpp.component"}, ErrBadValue},
		{"no advertise", strings.Replace(base, "advertise = [\"192.0.2.1\"]", "", 1), []string{"media.advertise"}, ErrBadValue},
		{"component without secret", strings.Replace(base, "jid = \"jvb@auth.x\"", "component = \"jvb.x\"", 1), []string{"xmpp.secret_file"}, ErrBadValue},
		{"every problem at once", "id = \"a b\"\nregion = 3\n[xmpp]\nserver = \"nope\"\n[bogus]\n", []string{"id:", "region", "xmpp.server", "xmpp.jid", "xmpp.brewery", "bogus", "media.advertise"}, ErrBadValue},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "bridge.toml")
			if err := os.WriteFile(path, []byte(tc.toml), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadBridgeHost(path)
			if tc.want == nil {
				if err != nil {
					t.Fatal(err)
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

func TestBridgesBuiltinOff(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want string // "" valid
	}{
		{"default on", "", ""},
		{"off with turn and recording off", "[bridges]\nbuiltin = false\n[turn]\nenabled = false\n[recording]\nenabled = \"off\"\n", ""},
		{"off with turn on", "[bridges]\nbuiltin = false\n", "turn.enabled = false"},
		{"off with recording on", "[bridges]\nbuiltin = false\n[turn]\nenabled = false\n[recording]\nenabled = \"on\"\n", "recording.enabled"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte(tc.toml))
			switch {
			case tc.want == "" && err != nil:
				t.Fatal(err)
			case tc.want == "" && c.Bridges.Builtin == strings.Contains(tc.toml, "builtin = false"):
				t.Errorf("builtin = %v", c.Bridges.Builtin)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want) || !errors.Is(err, ErrBadValue)):
				t.Errorf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestBridgeAllow(t *testing.T) {
	tests := []struct {
		name string
		toml string
		want []string // effective list
		bad  string   // key named in the error; "" valid
	}{
		{"default: the auth domain and the built-in bridge", "", []string{"auth.localhost", "jvb@auth.localhost/jvb1"}, ""},
		{"built-in off: the auth domain", "[bridges]\nbuiltin = false\n[turn]\nenabled = false\n[recording]\nenabled = \"off\"\n",
			[]string{"auth.localhost"}, ""},
		{"listed", "[bridges]\nallow = [\"jvb@auth.localhost\", \"jvb.localhost\"]\n",
			[]string{"jvb@auth.localhost", "jvb.localhost", "jvb@auth.localhost/jvb1"}, ""},
		{"empty with the built-in bridge: only it", "[bridges]\nallow = []\n", []string{"jvb@auth.localhost/jvb1"}, ""},
		{"empty without any bridge", "[bridges]\nbuiltin = false\nallow = []\n[turn]\nenabled = false\n[recording]\nenabled = \"off\"\n", nil, "bridges.allow"},
		{"a resource", "[bridges]\nallow = [\"jvb@auth.localhost/r\"]\n", nil, "bridges.allow"},
		{"not a JID", "[bridges]\nallow = [\"a@@b\"]\n", nil, "bridges.allow"},
		{"empty entry", "[bridges]\nallow = [\"\"]\n", nil, "bridges.allow"},
		{"wrong type", "[bridges]\nallow = \"jvb@auth.localhost\"\n", nil, "bridges.allow"},
		{"unknown key", "[bridges]\nallowed = [\"jvb@auth.localhost\"]\n", nil, "did you mean bridges.allow"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := Parse([]byte("domain = \"localhost\"\n" + tc.toml))
			if tc.bad != "" {
				if err == nil || !strings.Contains(err.Error(), tc.bad) {
					t.Fatalf("err = %v, want one naming %q", err, tc.bad)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := c.BridgeAllow(); !slices.Equal(got, tc.want) {
				t.Errorf("BridgeAllow() = %q, want %q", got, tc.want)
			}
		})
	}
}
