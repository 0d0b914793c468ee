package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestParseXMPP(t *testing.T) {
	tests := []struct {
		name, input string
		wantKey     string // "" = valid
	}{
		{"components", "[xmpp]\nresume_timeout = 15\nc2s_listen = \"\"\n[[xmpp.component]]\ndomain = \"svc.localhost\"\nsecret = \"0123456789\"", ""},
		{"negative resume", "[xmpp]\nresume_timeout = -1", "xmpp.resume_timeout"},
		{"bad c2s listen", "[xmpp]\nc2s_listen = \"5222\"", "xmpp.c2s_listen"},
		{"bad component listen", "[xmpp]\ncomponent_listen = \"example.org:5347\"", "xmpp.component_listen"},
		{"component on server domain", "[[xmpp.component]]\ndomain = \"conference.localhost\"\nsecret = \"0123456789\"", "xmpp.component[0].domain"},
		{"duplicate component", "[[xmpp.component]]\ndomain = \"a.localhost\"\nsecret = \"0123456789\"\n[[xmpp.component]]\ndomain = \"a.localhost\"\nsecret = \"0123456789\"", "xmpp.component[1].domain"},
		{"short secret", "[[xmpp.component]]\ndomain = \"a.localhost\"\nsecret = \"x\"", "xmpp.component[0].secret"},
		{"unknown component key", "[[xmpp.component]]\ndomain = \"a.localhost\"\nsecret = \"0123456789\"\nport = 1", "xmpp.component[0].port"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.input))
			if tt.wantKey == "" {
				if err != nil {
					t.Fatalf("Parse = %v", err)
				}
				if c.XMPP.ResumeTimeout != 15 || c.XMPP.C2SListen != "" || len(c.XMPP.Components) != 1 {
					t.Errorf("xmpp %+v", c.XMPP)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantKey) {
				t.Fatalf("Parse = %v, want an error naming %s", err, tt.wantKey)
			}
			if !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrUnknownKey) {
				t.Errorf("error %v is neither ErrBadValue nor ErrUnknownKey", err)
			}
		})
	}
}
