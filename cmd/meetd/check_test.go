package main

import (
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"meetd/conf"
	"meetd/web"
)

func writeFile(t *testing.T, name, body string) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestCheckCommand(t *testing.T) {
	tests := []struct {
		name, toml string
		code       int
		has        []string
	}{
		{"defaults", "", 0, []string{": ok"}},
		{"every problem", "domian = 1\n[log]\nlevel = \"x\"\n[web]\napp_dir = \"/nonexistent\"", 1,
			[]string{"problem: domian", "problem: log.level", "meetd would not start"}},
		{"missing app dir", "[web]\napp_dir = \"/nonexistent\"", 1, []string{"problem: web.app_dir", "index.html"}},
		{"missing cert", "[http]\ntls_cert = \"/nonexistent.pem\"\ntls_key = \"/nonexistent.key\"", 1, []string{"problem: http.tls_cert"}},
		{"acme on other ports", "domain = \"meet.example.com\"\n[media]\nadvertise = [\"203.0.113.7\"]\n[acme]\nenabled = true\nhttp_listen = \":8080\"", 0,
			[]string{"warning: acme: the CA checks port 443", ": ok"}},
		{"acme on 443", "domain = \"meet.example.com\"\n[media]\nadvertise = [\"203.0.113.7\"]\n[http]\nlisten = \":443\"\n[acme]\nenabled = true", 0,
			[]string{": ok"}},
		{"privacy default off", "[web.config.p2p]\nenabled = true\n[web.config]\nrequireDisplayName = true", 0,
			[]string{"warning: web.config.p2p.enabled = true turns off a privacy default", ": ok"}},
		{"server-owned config.js key", "[web.config]\nbosh = \"https://x/http-bind\"", 1, []string{"problem: web.config.bosh"}},
		{"bridge allow-list", "[bridges]\nallow = [\"jvb@auth.localhost\", \"jvb.localhost\"]", 0, []string{": ok"}},
		{"bad bridge allow-list", "[bridges]\nallow = [\"jvb@auth.localhost/r\"]\nallowed = 1", 1,
			[]string{"problem: bridges.allow", "problem: bridges.allowed", "did you mean bridges.allow"}},
		{"built-in bridge relay CA", "[bridges]\nrelay_ca_file = " + strconv.Quote(relayCA(t)), 0, []string{": ok"}},
		{"missing built-in bridge relay CA", "[bridges]\nrelay_ca_file = \"/nonexistent.pem\"", 1, []string{"problem: bridges.relay_ca_file"}},
		{"relay CA without certificates", "[bridges]\nrelay_ca_file = " + strconv.Quote(writeFile(t, "junk.pem", "junk")), 1,
			[]string{"problem: bridges.relay_ca_file"}},
		{"relay CA without built-in bridge", "[bridges]\nbuiltin = false\nrelay_ca_file = " + strconv.Quote(relayCA(t)) +
			"\n[turn]\nenabled = false\n[recording]\nenabled = \"off\"", 1, []string{"problem: bridges.relay_ca_file", "builtin = false"}},
		{"private media address", "domain = \"meet.example.com\"\n[media]\nadvertise = [\"10.0.0.5\"]", 0,
			[]string{"warning: media.advertise", "warning: no certificate configured", ": ok"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out, errOut strings.Builder
			code := realMain([]string{"check", "-config", writeFile(t, "meetd.toml", tt.toml)}, &out, &errOut)
			if code != tt.code {
				t.Errorf("exit %d, want %d\n%s%s", code, tt.code, out.String(), errOut.String())
			}
			for _, s := range tt.has {
				if !strings.Contains(out.String(), s) {
					t.Errorf("output lacks %q:\n%s", s, out.String())
				}
			}
		})
	}
	if code := realMain([]string{"check"}, &strings.Builder{}, &strings.Builder{}); code != 2 {
		t.Errorf("check without -config: exit %d, want 2", code)
	}
}

const dockerEnv = `# docker-jitsi-meet .env (excerpt)
CONFIG=~/.jitsi-meet-cfg
HTTP_PORT=80
HTTPS_PORT=443
TZ=UTC
PUBLIC_URL=https://Meet.Example.com
export JVB_ADVERTISE_IPS="203.0.113.7,198.51.100.2#20000"
JVB_PORT=10000
ENABLE_LETSENCRYPT=1
LETSENCRYPT_EMAIL='admin@example.com'
LETSENCRYPT_USE_STAGING=1
XMPP_DOMAIN=meet.jitsi
ENABLE_AUTH=1 # comment
`

func TestImportEnv(t *testing.T) {
	var out, errOut strings.Builder
	if code := realMain([]string{"import-env", writeFile(t, ".env", dockerEnv)}, &out, &errOut); code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
	}
	cfg, err := conf.Parse([]byte(out.String()))
	if err != nil {
		t.Fatalf("imported TOML does not load: %v\n%s", err, out.String())
	}
	checks := []struct {
		what      string
		got, want any
	}{
		{"domain", cfg.Domain, "meet.example.com"},
		{"public_url", cfg.HTTP.PublicURL, "https://Meet.Example.com"},
		{"http.listen", cfg.HTTP.Listen, ":443"},
		{"media.listen", cfg.Media.Listen, ":10000"},
		{"advertise", strings.Join(cfg.Media.Advertise, ","), "203.0.113.7,198.51.100.2"},
		{"acme.enabled", cfg.ACME.Enabled, true},
		{"acme.email", cfg.ACME.Email, "admin@example.com"},
		{"acme.directory", cfg.ACME.Directory, letsEncryptStaging},
		{"acme.http_listen", cfg.ACME.HTTPListen, ":80"},
		{"auth.allow_anonymous", cfg.Auth.AllowAnonymous, false}, // ENABLE_AUTH=1
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	const portWarning = "JVB_ADVERTISE_IPS 198.51.100.2#20000: meetd cannot advertise port 20000; it advertises 198.51.100.2 with its media port 10000. " +
		"Forward UDP 10000 (not 20000) on 198.51.100.2 to this host, or set JVB_PORT=20000 and import again."
	for _, s := range []string{"Not imported", "CONFIG", "# WARNING: " + portWarning} {
		if !strings.Contains(out.String(), s) {
			t.Errorf("output lacks %q:\n%s", s, out.String())
		}
	}
	if want := "meetd import-env: warning: " + portWarning + "\n"; !strings.HasPrefix(errOut.String(), want) ||
		!strings.Contains(errOut.String(), "Prosody's accounts cannot be imported") {
		t.Errorf("stderr = %q, want %q and the accounts warning", errOut.String(), want)
	}
}

func TestParseEnvErrors(t *testing.T) {
	if _, err := parseEnv(strings.NewReader("A=1\nnot a pair\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("parseEnv = %v, want a line 2 error", err)
	}
	if got := tomlString("a\"b\\c\n"); got != `"a\"b\\c\u000a"` {
		t.Errorf("tomlString = %s", got)
	}
}

// FuzzImportEnv: any .env input either is refused by parseEnv or becomes a
// TOML document that parses (values may still fail validation).
func FuzzImportEnv(f *testing.F) {
	f.Add([]byte(dockerEnv))
	f.Add([]byte("PUBLIC_URL=\"https://a\\\"b.example\"\nJVB_ADVERTISE_IPS=1.2.3.4#x,\x00\n"))
	f.Add([]byte("LETSENCRYPT_EMAIL='a\nb'\nENABLE_LETSENCRYPT=true\nHTTP_PORT=\"8\\\"0\"\n"))
	f.Fuzz(func(t *testing.T, in []byte) {
		env, err := parseEnv(strings.NewReader(string(in)))
		if err != nil {
			return
		}
		var b strings.Builder
		importEnv(env).write(&b, "fuzz.env")
		if _, err := conf.Parse([]byte(b.String())); errors.Is(err, conf.ErrParse) {
			t.Fatalf("imported TOML does not parse: %v\n%s", err, b.String())
		}
	})
}

func TestImportMediaPorts(t *testing.T) {
	tests := []struct {
		name, env  string
		advertise  string
		warnings   int
		warnSubstr string
	}{
		{"no port", "JVB_ADVERTISE_IPS=203.0.113.7", "203.0.113.7", 0, ""},
		{"default port given", "JVB_ADVERTISE_IPS=203.0.113.7#10000", "203.0.113.7", 0, ""},
		{"JVB_PORT given", "JVB_PORT=20000\nJVB_ADVERTISE_IPS=203.0.113.7#20000", "203.0.113.7", 0, ""},
		{"other port", "JVB_ADVERTISE_IPS=203.0.113.7#30000", "203.0.113.7", 1, "Forward UDP 10000 (not 30000) on 203.0.113.7"},
		{"other port than JVB_PORT", "JVB_PORT=20000\nJVB_ADVERTISE_IPS=203.0.113.7#30000,10.0.0.2", "203.0.113.7,10.0.0.2", 1, "its media port 20000"},
		{"docker host address", "DOCKER_HOST_ADDRESS=192.168.1.5#40000", "192.168.1.5", 1, "DOCKER_HOST_ADDRESS 192.168.1.5#40000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			env, err := parseEnv(strings.NewReader(tc.env + "\n"))
			if err != nil {
				t.Fatal(err)
			}
			doc := importEnv(env)
			var b strings.Builder
			doc.write(&b, "test.env")
			cfg, err := conf.Parse([]byte(b.String()))
			if err != nil {
				t.Fatalf("imported TOML: %v\n%s", err, b.String())
			}
			if got := strings.Join(cfg.Media.Advertise, ","); got != tc.advertise {
				t.Errorf("advertise = %s, want %s", got, tc.advertise)
			}
			if len(doc.warns) != tc.warnings || tc.warnings > 0 && !strings.Contains(doc.warns[0], tc.warnSubstr) {
				t.Errorf("warnings %q, want %d containing %q", doc.warns, tc.warnings, tc.warnSubstr)
			}
		})
	}
}

// relayCA writes a self-signed certificate, as a `meetd bridge` makes for its listener, and returns its file.
func relayCA(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := web.SelfSigned(dir, []string{"192.0.2.1"}, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	return filepath.Join(dir, web.SelfSignedCertFile)
}
