package web

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// TestSecurityHeaders is issue 11 defect 11: every response carries a
// Content-Security-Policy whose fetch directives name only the app's own
// origin and data:/blob: (an avatar URL in someone's presence is not
// loaded by the other browsers), and HSTS only with a certificate browsers
// trust.
func TestSecurityHeaders(t *testing.T) {
	pub, _ := url.Parse("https://meet.example.org:8443")
	for _, tc := range []struct {
		name     string
		tlsCert  bool
		acme     bool
		wantHSTS bool
	}{
		{"self-signed", false, false, false},
		{"certificate files", true, false, true},
		{"acme", false, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(t)
			if tc.tlsCert {
				cfg.HTTP.TLSCert, cfg.HTTP.TLSKey = "cert.pem", "key.pem"
			}
			cfg.ACME.Enabled = tc.acme
			h := securityHeaders(headerPolicy(cfg, pub), http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, httptest.NewRequest("GET", "/room", nil))
			if got := rec.Header().Get("Strict-Transport-Security") != ""; got != tc.wantHSTS {
				t.Fatalf("HSTS %v, want %v", got, tc.wantHSTS)
			}
			checkCSP(t, rec.Header().Get("Content-Security-Policy"))
		})
	}
}

// checkCSP: every fetch directive allows only the own origin, data:, blob:
// (and wss: to the own host), so nothing else can be loaded or contacted.
func checkCSP(t *testing.T, csp string) {
	t.Helper()
	if csp == "" {
		t.Fatal("no Content-Security-Policy")
	}
	seen := map[string]bool{}
	for _, d := range strings.Split(csp, ";") {
		f := strings.Fields(d)
		if len(f) == 0 {
			continue
		}
		seen[f[0]] = true
		for _, src := range f[1:] {
			switch src {
			case "'self'", "data:", "blob:", "'none'", "'unsafe-inline'", "'unsafe-eval'", "'wasm-unsafe-eval'", "wss://meet.example.org:8443":
			default:
				t.Errorf("%s allows %s", f[0], src)
			}
		}
	}
	for _, d := range []string{"default-src", "img-src", "connect-src", "media-src", "script-src", "font-src", "frame-src", "object-src"} {
		if !seen[d] {
			t.Errorf("no %s in %q", d, csp)
		}
	}
}
