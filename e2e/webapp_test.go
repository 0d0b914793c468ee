package e2e

import (
	"context"
	"fmt"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// fixtureResult is what the fixture web app (web/testdata/webapp/libs/app.bundle.min.js) reports.
type fixtureResult struct {
	Config struct {
		Hosts     struct{ Domain, MUC string } `json:"hosts"`
		WebSocket string                       `json:"websocket"`
		BOSH      string                       `json:"bosh"`
	} `json:"config"`
	Interface struct {
		AppName    string `json:"APP_NAME"`
		Background string `json:"DEFAULT_BACKGROUND"`
	} `json:"interfaceConfig"`
	Logging      map[string]any `json:"loggingConfig"`
	Lib          bool           `json:"lib"`
	Optimization bool           `json:"optimization"`
	Lang         string         `json:"lang"`
	Body         string         `json:"body"`
	Title        string         `json:"title"`
	Errors       []string       `json:"errors"`
	Background   string         `json:"background"`
	Pwned        bool           `json:"pwned"`
}

// TestWebAppFixture serves a directory shaped like the Jitsi Meet web app (index.html with the same SSI
// includes, a placeholder config.js, static folders) and loads rooms, tenant rooms and hostile room names in
// Chromium: the page must carry meetd's config for the right MUC, load every script, style and file, and
// raise no page error; no room name may run script.
func TestWebAppFixture(t *testing.T) {
	tl := requireBrowser(t)
	logs := newLogBook()
	app, err := filepath.Abs("../web/testdata/webapp")
	if err != nil {
		t.Fatal(err)
	}
	m := startMeetd(t, logs, "[web]", fmt.Sprintf("app_dir = %q", app), `tenants = ["acme"]`)
	d := startDriver(t, tl, logs)
	hostile := `<img src=x onerror=pwned=1>`
	tests := []struct{ name, path, muc, subdir string }{
		{"room", "/standup", "conference.localhost", ""},
		{"welcome page", "/", "conference.localhost", ""},
		{"tenant room", "/acme/standup", "conference.acme.localhost", "acme/"},
		{"tenant in capitals", "/ACME/standup", "conference.acme.localhost", "acme/"},
		{"hostile room", "/" + url.PathEscape(hostile), "conference.localhost", ""},
		{"hostile room with quotes (404, as nginx)", "/" + url.PathEscape(`"'>`+hostile), "", ""},
		{"hostile room in tenant", "/acme/" + url.PathEscape("<script>window.pwned=true</script>"), "", ""},
		{"unicode room", "/" + url.PathEscape("Besprechung-Müller"), "conference.localhost", ""},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			if err := d.open(ctx, i, m.url+tt.path); err != nil {
				t.Fatal(err)
			}
			defer d.closePage(ctx, i) //nolint:errcheck // the browser goes with the test
			if tt.muc == "" {         // a 404: it must not run script either
				var pwned bool
				if err := d.eval(ctx, i, "!!window.pwned", &pwned); err != nil || pwned {
					t.Fatalf("hostile path ran script (%v) or failed: %v", pwned, err)
				}
				return
			}
			var r fixtureResult
			if err := d.eval(ctx, i, "window.fixtureReady.then(f => Object.assign(f, {pwned: !!window.pwned}))", &r); err != nil {
				t.Fatalf("%v\npage log:\n%s", err, logs.tail(pageLog(i), 30))
			}
			checkFixture(t, r, m.url, tt.muc, tt.subdir)
			for _, line := range logs.all(pageLog(i)) {
				if strings.HasPrefix(line, "[pageerror") {
					t.Errorf("page error: %s", line)
				}
			}
		})
	}
}

func checkFixture(t *testing.T, r fixtureResult, base, muc, subdir string) {
	t.Helper()
	host := strings.TrimPrefix(base, "https://")
	checks := []struct {
		what      string
		got, want any
	}{
		{"hosts.muc", r.Config.Hosts.MUC, muc},
		{"hosts.domain", r.Config.Hosts.Domain, "localhost"},
		{"websocket", r.Config.WebSocket, "wss://" + host + "/xmpp-websocket"},
		{"bosh", r.Config.BOSH, base + "/http-bind"},
		{"APP_NAME (meetd's)", r.Interface.AppName, "Jitsi Meet"},
		{"DEFAULT_BACKGROUND (the app's)", r.Interface.Background, "#040404"},
		{"logging config", r.Logging != nil, true},
		{"lib script", r.Lib, true},
		{"SSI fragment script", r.Optimization, true},
		{"lang file", r.Lang, "Hallo"},
		{"css", r.Background, "rgb(1, 2, 3)"},
		{"SSI subdir", r.Body, subdir},
		{"load errors", len(r.Errors), 0},
		{"script from the URL ran", r.Pwned, false},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s = %v, want %v (errors: %v)", c.what, c.got, c.want, r.Errors)
		}
	}
}
