package web

import (
	"net/http/httptest"
	"strings"
	"testing"
)

const fixtureApp = "testdata/webapp"

func newAppServer(t *testing.T) *Server {
	t.Helper()
	cfg := testConfig(t)
	cfg.Web.AppDir = fixtureApp
	cfg.Web.Tenants = []string{"acme"}
	return newTestServer(t, cfg, Options{PublicURL: mustURL(t, "https://meet.example.com")})
}

func TestWebAppRoutes(t *testing.T) {
	s := newAppServer(t)
	tests := []struct {
		name, path   string
		status       int
		ctype, cache string
		has, hasNot  []string
	}{
		{"welcome", "/", 200, "text/html", "no-cache",
			[]string{`<base href="/" />`, `"muc": "conference.localhost"`, "APP_NAME", "welcome addition", `data-host="meet.example.com"`},
			[]string{"<!--#", "placeholder.invalid", "must never be served"}},
		{"room", "/MyRoom", 200, "text/html", "no-cache", []string{`"muc": "conference.localhost"`, `data-subdir=""`, "<title>Fixture none</title>"}, []string{"<!--#"}},
		{"tenant room", "/Acme/standup", 200, "text/html", "no-cache",
			[]string{`"muc": "conference.acme.localhost"`, `data-subdir="acme/"`, "<title>Fixture acme.</title>", `content="acme/"`}, nil},
		{"tenant root", "/acme/", 200, "text/html", "", []string{"conference.acme.localhost"}, nil},
		{"config.js", "/config.js?room=x", 200, "application/javascript", "no-cache", []string{"conference.localhost"}, []string{"placeholder"}},
		{"tenant config.js", "/acme/config.js?room=x", 200, "application/javascript", "", []string{"conference.acme.localhost"}, nil},
		{"interface_config.js", "/interface_config.js", 200, "application/javascript", "", []string{"DEFAULT_BACKGROUND", `"APP_NAME":"Jitsi Meet"`}, nil},
		{"logging_config.js", "/logging_config.js", 200, "application/javascript", "", []string{"defaultLogLevel"}, nil},
		{"external_api.js", "/external_api.js", 200, "application/javascript", cacheStatic, []string{"fixtureExternalAPI"}, nil},
		{"versioned lib", "/libs/app.bundle.min.js?v=139", 200, "application/javascript", cacheVersioned, []string{"window.fixture"}, nil},
		{"css", "/css/all.css", 200, "text/css", cacheStatic, nil, nil},
		{"font", "/fonts/fixture.woff2", 200, "font/woff2", "", nil, nil},
		{"sound", "/sounds/joined.mp3", 200, "audio/mpeg", "", nil, nil},
		{"image", "/images/favicon.png", 200, "image/png", "", nil, nil},
		{"lang", "/lang/main.json", 200, "application/json", "", []string{"Hallo"}, nil},
		{"tenant static", "/acme/lang/main.json", 200, "application/json", "", []string{"Hallo"}, nil},
		{"root file", "/manifest.json", 200, "application/json", "", []string{"Fixture"}, nil},
		{"static dir listing", "/libs/", 404, "", "", nil, nil},
		{"missing static", "/css/nope.css", 404, "", "", nil, nil},
		{"dot file", "/.hidden", 404, "", "", nil, []string{"secret"}},
		{"dot file in static", "/static/.hidden", 404, "", "", nil, nil},
		{"traversal is cleaned by the mux", "/libs/../../outside.html", 307, "", "", nil, []string{"never"}},
		{"encoded traversal", "/libs/%2e%2e/%2e%2e/outside.html", 404, "", "", nil, []string{"never"}},
		{"tenant manifest (the app asks <tenant>/manifest.json)", "/acme/manifest.json", 200, "application/json", "", []string{"Fixture"}, nil},
		{"other root file under a tenant", "/acme/title.html", 404, "", "", nil, nil},
		{"quote in room", "/a'b", 404, "", "", nil, nil},
		{"script tenant", "/%3Cscript%3Ealert(1)%3C/script%3E", 404, "", "", nil, nil},
		{"reserved tenant", "/_x/room", 404, "", "", nil, nil},
		{"static dir as tenant", "/libs/room", 404, "", "", nil, nil},
		{"three segments", "/a/b/c", 404, "", "", nil, nil},
		{"unknown tenant", "/other/room", 404, "", "", nil, nil},
		{"unknown tenant config.js", "/other/config.js", 404, "", "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, rec.Code, tt.status, body)
			}
			if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, tt.ctype) {
				t.Errorf("Content-Type = %q, want %q", ct, tt.ctype)
			}
			if cc := rec.Header().Get("Cache-Control"); tt.cache != "" && cc != tt.cache {
				t.Errorf("Cache-Control = %q, want %q", cc, tt.cache)
			}
			for _, s := range tt.has {
				if !strings.Contains(body, s) {
					t.Errorf("body lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.hasNot {
				if strings.Contains(body, s) {
					t.Errorf("body contains %q:\n%s", s, body)
				}
			}
		})
	}
}

func TestWebAppDirWithoutIndex(t *testing.T) {
	cfg := testConfig(t)
	cfg.Web.AppDir = t.TempDir()
	_, err := New(cfg, Options{PublicURL: mustURL(t, "https://localhost"), Logger: quietLogger()})
	if err == nil || !strings.Contains(err.Error(), "index.html") {
		t.Fatalf("New with an empty app_dir = %v, want an index.html error", err)
	}
}

func TestInterfaceConfigEscapesAppName(t *testing.T) {
	cfg := testConfig(t)
	cfg.Web.AppName = hostile
	s := newTestServer(t, cfg, Options{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/interface_config.js", nil))
	for _, bad := range []string{"<", ">", "\u2028", "&"} {
		if strings.Contains(rec.Body.String(), bad) {
			t.Errorf("interface_config.js contains raw %q:\n%s", bad, rec.Body)
		}
	}
}
