package conf

import (
	"errors"
	"strings"
	"testing"
)

func TestFrontSections(t *testing.T) {
	const public = "domain = \"meet.example.com\"\n[media]\nadvertise = [\"203.0.113.7\"]\n"
	tests := []struct {
		name, input string
		bad         []string // keys named in the error; none = valid
	}{
		{"web app dir", "[web]\napp_dir = \"/usr/share/jitsi-meet\"\napp_name = \"Praxis\"", nil},
		{"empty app name", "[web]\napp_name = \" \"", []string{"web.app_name"}},
		{"tenants", "[web]\ntenants = [\"acme\", \"clinic-2\"]", nil},
		{"bad tenant", "[web]\ntenants = [\"ok\", \"Bad.Name\"]", []string{"web.tenants[1]"}},
		{"acme on a public domain", public + "[acme]\nenabled = true\nemail = \"admin@example.com\"", nil},
		{"acme on localhost", "[acme]\nenabled = true", []string{"acme.enabled"}},
		{"acme with cert files", public + "[http]\ntls_cert = \"c\"\ntls_key = \"k\"\n[acme]\nenabled = true", []string{"acme.enabled"}},
		{"acme directory http", "[acme]\ndirectory = \"http://ca.example/dir\"", []string{"acme.directory"}},
		{"acme email", "[acme]\nemail = \"not an address\"", []string{"acme.email"}},
		{"acme http listen", "[acme]\nhttp_listen = \"80\"", []string{"acme.http_listen"}},
		{"acme without port 80", public + "[acme]\nenabled = true\nhttp_listen = \"\"", nil},
		{"ops off", "[ops]\nlisten = \"\"", nil},
		{"ops listen", "[ops]\nlisten = \"localhost\"", []string{"ops.listen"}},
		{"unknown key", "[ops]\nport = 1", []string{"ops.port"}},
		{"advertise with a port", "[media]\nadvertise = [\"203.0.113.7#20000\"]", []string{"media.advertise[0]", "no #port", `write "203.0.113.7"`}},
		{"http cap off", "[http]\nconnections_per_ip = 0", nil},
		{"http cap negative", "[http]\nconnections_per_ip = -5", []string{"http.connections_per_ip"}},
		{"shutdown at once", "[ops]\nshutdown_timeout = 0", nil},
		{"shutdown drain", "[ops]\nshutdown_timeout = 600", nil},
		{"shutdown negative", "[ops]\nshutdown_timeout = -1", []string{"ops.shutdown_timeout"}},
		{"shutdown too long", "[ops]\nshutdown_timeout = 86400", []string{"ops.shutdown_timeout"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if len(tt.bad) == 0 {
				if err != nil {
					t.Fatalf("Parse = %v", err)
				}
				return
			}
			if err == nil || !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrUnknownKey) {
				t.Fatalf("Parse = %v, want a key error", err)
			}
			for _, k := range tt.bad {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %q", err, k)
				}
			}
		})
	}
}
