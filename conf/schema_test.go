package conf

import (
	"errors"
	"os"
	"strings"
	"testing"
)

// TestCheckReportsEveryProblem: one run names every wrong type, unknown key and bad value, each with its
// key path and in words an operator reads ("expected a string, got the number 8443"), and suggests the key
// that was probably meant.
func TestCheckReportsEveryProblem(t *testing.T) {
	doc := `doman = "meet.example.com"
listen = ":443"
[http]
listen = 8443
connections_per_ip = "many"
[media]
advertise = "203.0.113.7"
[log]
level = "loud"
format = "json"
[[xmpp.component]]
domian = "svc.localhost"
secret = "0123456789"
`
	c, err := Check([]byte(doc))
	if err == nil {
		t.Fatal("Check accepted a file with problems")
	}
	want := []string{
		"doman: unknown key (did you mean domain?)",
		"listen: unknown key (did you mean http.listen?)",
		"http.listen: expected a string, got the number 8443",
		`http.connections_per_ip: expected a whole number, got the string "many"`,
		`media.advertise: expected a list of strings, got the string "203.0.113.7"`,
		"log.level: bad value",
		"xmpp.component[0].domian: unknown key (did you mean xmpp.component[0].domain?)",
	}
	msg := err.Error()
	for _, w := range want {
		if !strings.Contains(msg, w) {
			t.Errorf("error lacks %q:\n%s", w, msg)
		}
	}
	if strings.Contains(msg, "destination has type") || strings.Contains(msg, "incompatible types") {
		t.Errorf("Go jargon in %q", msg)
	}
	if !errors.Is(err, ErrWrongType) || !errors.Is(err, ErrUnknownKey) || !errors.Is(err, ErrBadValue) {
		t.Errorf("error %v does not match ErrWrongType, ErrUnknownKey and ErrBadValue", err)
	}
	// What could be read is there, so that the files it names can be checked.
	if c == nil || c.Log.Format != "json" || c.HTTP.Listen != Default().HTTP.Listen {
		t.Fatalf("partial config %+v: want log.format from the file and the default http.listen", c)
	}
	if _, err := Parse([]byte(doc)); err == nil {
		t.Error("Parse accepted what Check refused")
	}
}

func TestCheckTypes(t *testing.T) {
	tests := []struct {
		name, doc, want string // want "" = no problem
	}{
		{"bool for int", "[http]\nconnections_per_ip = true", "http.connections_per_ip: expected a whole number, got true"},
		{"float for int", "[http]\nconnections_per_ip = 1.5", "expected a whole number, got the number 1.5"},
		{"int for bool", "[acme]\nenabled = 1", "acme.enabled: expected true or false, got the number 1"},
		{"list of ints", "[media]\nadvertise = [1, 2]", "media.advertise: expected a list of strings, got a list"},
		{"table for string", "[domain]\nx = 1", "domain: expected a string, got a table"},
		{"string for table", "http = \"x\"", "http: expected a table ([http]), got the string \"x\""},
		{"table for list of tables", "[xmpp.component]\ndomain = \"a\"", "xmpp.component: expected a list of tables ([[xmpp.component]])"},
		{"empty list", "[media]\nadvertise = []", ""},
		{"int for float", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Check([]byte(tt.doc))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Check = %v, want no problem", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Check = %v, want %q", err, tt.want)
			}
		})
	}
}

func TestClosestKey(t *testing.T) {
	known := []string{"domain", "http.listen", "http.public_url", "media.listen", "ops.shutdown_timeout", "state_dir"}
	tests := []struct{ key, want string }{
		{"domian", "domain"},
		{"statedir", "state_dir"},
		{"http.lisen", "http.listen"},
		{"ops.shutdown_timout", "ops.shutdown_timeout"},
		{"public_url", "http.public_url"},
		{"zzz", ""},
		{"http.domain", "domain"},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if got := closestKey(tt.key, known); got != tt.want {
				t.Errorf("closestKey(%q) = %q, want %q", tt.key, got, tt.want)
			}
		})
	}
}

// FuzzCheck: any document gives a configuration or an error, never a panic; what Check accepts, Parse
// accepts too.
func FuzzCheck(f *testing.F) {
	if example, err := os.ReadFile("../meetd.example.toml"); err == nil {
		f.Add(example)
	}
	f.Add([]byte("doman = 1\n[http]\nlisten = 8443\n[[xmpp.component]]\nprot = 1"))
	f.Add([]byte("[media]\nadvertise = [1, \"x\", {a = 1}]\n[web]\ntenants = [[1]]"))
	f.Fuzz(func(t *testing.T, doc []byte) {
		c, err := Check(doc)
		if err == nil && c == nil {
			t.Fatal("no config and no error")
		}
		if err == nil {
			if _, perr := Parse(doc); perr != nil {
				t.Fatalf("Check accepted, Parse refused: %v", perr)
			}
		}
	})
}
