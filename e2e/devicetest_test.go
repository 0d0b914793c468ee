package e2e

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// deviceResult is window.deviceTest.result of the device test page (web/devicetest/devicetest.js).
type deviceResult struct {
	Camera, Microphone, Connection string
	Path                           string // "UDP", "TCP" or "relay (tls)": how the test call reached the bridge
	Details                        []string
	Done                           bool
}

// TestDeviceTestPage opens meetd's device test page in Chromium (fake camera and microphone): with the web
// app's lib-jitsi-meet on the server, the connection check sends the camera through meetd's bridge to a
// second participant in the same page; without the web app it reports the check as unavailable.
func TestDeviceTestPage(t *testing.T) {
	tl := requireBrowser(t)
	logs := newLogBook()
	d := startDriver(t, tl, logs)
	app := t.TempDir()
	files := map[string]string{"index.html": "../web/testdata/webapp/index.html",
		"libs/lib-jitsi-meet.min.js": tl.lib, "libs/jquery.min.js": tl.jquery}
	for dst, src := range files {
		b, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		_ = os.MkdirAll(filepath.Dir(filepath.Join(app, dst)), 0o755)
		if err := os.WriteFile(filepath.Join(app, dst), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name       string
		extra      []string
		connection string
		udpBlocked bool   // nftables drops all UDP between browser and meetd and TCP but to the HTTPS port
		path       string // the path reported
	}{
		{"with the web app", []string{"[web]", fmt.Sprintf("app_dir = %q", app)}, "ok", false, "UDP"},
		{"without the web app", nil, "unavailable", false, ""},
		{"udp blocked", []string{"[web]", fmt.Sprintf("app_dir = %q", app)}, "ok", true, "relay (tls)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := startMeetd(t, logs, tt.extra...)
			if tt.udpBlocked {
				blockNetwork(t, append(dropBrowserUDP, fmt.Sprintf("ip saddr 10.77.0.0/24 tcp dport != %d drop", m.httpPort()),
					"udp dport 3478 drop", "tcp dport 3478 drop")...)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			if err := d.open(ctx, i, m.url+"/_meetd/devicetest"); err != nil {
				t.Fatal(err)
			}
			// The 2021 lib-jitsi-meet build the harness uses takes jQuery from window.jquery; current builds
			// do not need it.
			preload := `new Promise(r => { const s = document.createElement('script'); s.src = '/libs/jquery.min.js'; ` +
				`s.onload = s.onerror = () => { window.jquery = window.jQuery; r(true); }; document.head.appendChild(s); })`
			if err := d.eval(ctx, i, preload, nil); err != nil {
				t.Fatal(err)
			}
			var r deviceResult
			if err := d.eval(ctx, i, "deviceTest.run()", &r); err != nil {
				t.Fatalf("%v\n%s", err, logs.tail(pageLog(i), 40))
			}
			if r.Camera != "ok" || r.Microphone != "ok" || r.Connection != tt.connection || !r.Done {
				t.Fatalf("device test = %+v, want camera, microphone ok and connection %s\npage:\n%s\nmeetd:\n%s",
					r, tt.connection, logs.tail(pageLog(i), 60), logs.tail("meetd", 60))
			}
			if r.Path != tt.path {
				t.Errorf("device test path %q, want %q", r.Path, tt.path)
			}
			t.Logf("device test: %+v", r)
		})
	}
}
