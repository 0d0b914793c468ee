package web

import (
	"net/http/httptest"
	"net/url"
	"testing"

	"meetd/conf"
)

// BenchmarkWebApp compares a room page (index.html read and SSI-expanded
// per request, with config.js and interface_config.js rendered) with a
// static file of the same app, the baseline.
func BenchmarkWebApp(b *testing.B) {
	cfg := conf4bench(b)
	s, err := New(cfg, Options{PublicURL: &url.URL{Scheme: "https", Host: "meet.example.com"}, Logger: quietLogger()})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct{ name, path string }{
		{"static baseline", "/libs/app.bundle.min.js?v=1"},
		{"room page", "/standup"},
		{"tenant room page", "/acme/standup"},
		{"config.js", "/config.js"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				rec := httptest.NewRecorder()
				s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", bc.path, nil))
				if rec.Code != 200 {
					b.Fatalf("%s: %d", bc.path, rec.Code)
				}
			}
		})
	}
}

func conf4bench(b *testing.B) *conf.Config {
	c := conf.Default()
	c.StateDir = b.TempDir()
	c.Web.AppDir = fixtureApp
	c.Web.Tenants = []string{"acme"}
	return c
}
