package conf

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

func TestDefaultIsValid(t *testing.T) {
	c := Default()
	if err := c.Validate(); err != nil {
		t.Fatalf("Default().Validate() = %v", err)
	}
	if got := c.Media.Advertise; !reflect.DeepEqual(got, []string{"127.0.0.1"}) {
		t.Errorf("default advertise = %v, want [127.0.0.1]", got)
	}
}

func TestExampleFileIsTheDefaults(t *testing.T) {
	c, err := Load(filepath.Join("..", "meetd.example.toml"))
	if err != nil {
		t.Fatalf("Load(example) = %v", err)
	}
	if !reflect.DeepEqual(c, Default()) {
		t.Errorf("example file differs from Default():\n got %+v\nwant %+v", c, Default())
	}
}

func TestParseValues(t *testing.T) {
	tests := []struct {
		name  string
		input string
		check func(*Config) bool
	}{
		{"empty file is the defaults", ``,
			func(c *Config) bool { return reflect.DeepEqual(c, Default()) }},
		{"domain and advertise", "domain = \"meet.example.com\"\n[media]\nadvertise = [\"203.0.113.7\", \"2001:db8::1\"]",
			func(c *Config) bool {
				return c.Domain == "meet.example.com" && len(c.Media.Advertise) == 2 && c.HTTP.Listen == ":8443"
			}},
		{"port zero", "[http]\nlisten = \"127.0.0.1:0\"\n[media]\nlisten = \"127.0.0.1:0\"",
			func(c *Config) bool { return c.HTTP.Listen == "127.0.0.1:0" && c.Media.Listen == "127.0.0.1:0" }},
		{"tls files and public url", "[http]\ntls_cert = \"c.pem\"\ntls_key = \"k.pem\"\npublic_url = \"https://meet.example.com/\"",
			func(c *Config) bool { return c.HTTP.TLSCert == "c.pem" && c.HTTP.TLSKey == "k.pem" }},
		{"json debug log", "[log]\nlevel = \"debug\"\nformat = \"json\"",
			func(c *Config) bool { return c.Log.Level == "debug" && c.Log.Format == "json" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse([]byte(tt.input))
			if err != nil {
				t.Fatalf("Parse = %v", err)
			}
			if !tt.check(c) {
				t.Errorf("unexpected config %+v", c)
			}
		})
	}
}

func TestParseErrorsNameTheKey(t *testing.T) {
	tests := []struct {
		name  string
		input string
		is    error
		keys  []string // each must appear in the message
	}{
		{"unknown top-level key", `domian = "x"`, ErrUnknownKey, []string{"domian"}},
		{"unknown nested key", "[http]\nlisten = \":1\"\nlisen = \":2\"", ErrUnknownKey, []string{"http.lisen"}},
		{"unknown table", "[turn]\nport = 3478", ErrUnknownKey, []string{"turn"}},
		{"wrong type", "[http]\nlisten = 8443", ErrParse, []string{"http.listen"}},
		{"not toml", "domain = ", ErrParse, []string{"line 1"}},
		{"uppercase domain", `domain = "Meet.Example.com"`, ErrBadValue, []string{"domain"}},
		{"domain with space", `domain = "a b"`, ErrBadValue, []string{"domain"}},
		{"empty domain", `domain = ""`, ErrBadValue, []string{"domain"}},
		{"empty state dir", `state_dir = ""`, ErrBadValue, []string{"state_dir"}},
		{"listen without port", "[http]\nlisten = \"localhost\"", ErrBadValue, []string{"http.listen"}},
		{"listen port too big", "[media]\nlisten = \":70000\"", ErrBadValue, []string{"media.listen"}},
		{"listen host name", "[media]\nlisten = \"example.com:1\"", ErrBadValue, []string{"media.listen"}},
		{"public url http", "[http]\npublic_url = \"http://x\"", ErrBadValue, []string{"http.public_url"}},
		{"public url path", "[http]\npublic_url = \"https://x/meet\"", ErrBadValue, []string{"http.public_url"}},
		{"cert without key", "[http]\ntls_cert = \"c.pem\"", ErrBadValue, []string{"http.tls_key"}},
		{"key without cert", "[http]\ntls_key = \"k.pem\"", ErrBadValue, []string{"http.tls_cert"}},
		{"advertise not ip", "[media]\nadvertise = [\"1.2.3.4\", \"host\"]", ErrBadValue, []string{"media.advertise[1]"}},
		{"public domain needs advertise", `domain = "meet.example.com"`, ErrBadValue, []string{"media.advertise"}},
		{"log level", "[log]\nlevel = \"verbose\"", ErrBadValue, []string{"log.level"}},
		{"log format", "[log]\nformat = \"xml\"", ErrBadValue, []string{"log.format"}},
		{"all problems at once", "domian = 1\n[log]\nlevel = \"x\"\nformat = \"y\"", ErrBadValue,
			[]string{"domian", "log.level", "log.format"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil {
				t.Fatal("Parse succeeded, want an error")
			}
			if !errors.Is(err, tt.is) {
				t.Errorf("error %q is not %v", err, tt.is)
			}
			for _, k := range tt.keys {
				if !strings.Contains(err.Error(), k) {
					t.Errorf("error %q does not name %q", err, k)
				}
			}
		})
	}
}

func TestLoadMissingFile(t *testing.T) {
	_, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if !errors.Is(err, os.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want ErrNotExist", err)
	}
}

func TestLoadNamesTheFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "meetd.toml")
	if err := os.WriteFile(path, []byte("nope = 1\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	if err == nil || !strings.Contains(err.Error(), path) {
		t.Errorf("Load = %v, want an error naming %s", err, path)
	}
}
