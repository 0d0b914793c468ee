package e2e

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// webAppConference is the web app's JitsiConference (what meetdTest.conference() is on the test page).
const webAppConference = "APP.conference._room"

// webAppJS rewrites a test-page expression for the web app.
func webAppJS(js string) string {
	return strings.ReplaceAll(js, "meetdTest.conference()", webAppConference)
}

// webAppStatsJS returns the web app's bridge connection in the shape of the test page's stats.
const webAppStatsJS = `(async () => {
	const c = APP.conference._room, s = c && c.jvbJingleSession;
	if (!s) { return null; }
	const pc = s.peerconnection.peerconnection, r = { ice: pc.iceConnectionState, inbound: [] };
	(await pc.getStats()).forEach(x => {
		if (x.type === 'inbound-rtp') {
			r.inbound.push({ kind: x.kind, ssrc: x.ssrc, bytes: x.bytesReceived || 0, packets: x.packetsReceived || 0, frames: x.framesDecoded || 0 });
		}
	});
	return r;
})()`

// TestRealWebAppNetworkChange is TestNetworkChange with the complete Jitsi Meet web app (the current
// lib-jitsi-meet inside it): two pages in a call through the web app's prejoin screen, then page 1's
// path is cut as in TestNetworkChange's two cases. Video must flow both ways again and page 0 must keep
// page 1 as a participant throughout; the time is logged. It runs only when MEETD_E2E_WEBAPP_DIR names a
// built web app.
func TestRealWebAppNetworkChange(t *testing.T) {
	dir := webAppDir(t)
	for _, tc := range []struct {
		name  string
		extra []string
		cut   func(t *testing.T, d *driver)
	}{
		{name: "interface lost", cut: func(t *testing.T, d *driver) {
			var port int
			if err := d.eval(context.Background(), 1, webAppJS(localPortJS), &port); err != nil || port == 0 {
				t.Fatalf("media port of page 1: %d %v", port, err)
			}
			t.Logf("page 1 loses the path of its local port %d", port)
			blockNetwork(t, fmt.Sprintf("udp sport %d drop", port), fmt.Sprintf("udp dport %d drop", port))
		}},
		{name: "address changed", extra: []string{"[turn]", "enabled = false"}, cut: func(t *testing.T, d *driver) {
			var ports []int
			if err := d.eval(context.Background(), 1, webAppJS(localUDPPortsJS), &ports); err != nil || len(ports) == 0 {
				t.Fatalf("local UDP ports of page 1: %v %v", ports, err)
			}
			set := strings.Trim(strings.Join(strings.Fields(fmt.Sprint(ports)), ", "), "[]")
			t.Logf("page 1 loses its addresses (local UDP ports %s); %s appears", set, newBrowserAddr)
			addAddress(t, newBrowserAddr, vethB)
			blockNetwork(t, fmt.Sprintf("udp sport { %s } drop", set), fmt.Sprintf("udp dport { %s } drop", set))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			tl := requireBrowser(t)
			logs := newLogBook()
			m := startMeetd(t, logs, append([]string{"[web]", fmt.Sprintf("app_dir = %q", dir)}, tc.extra...)...)
			d := startDriver(t, tl, logs)
			defer func() {
				if t.Failed() || os.Getenv("MEETD_E2E_DUMP") != "" {
					dumpLogs(t, logs)
				}
			}()
			webAppNetworkChange(t, d, m, "WebAppNetworkChange", tc.cut)
		})
	}
}

// webAppNetworkChange joins pages 0 and 1 into room through the web app, cuts page 1's network and
// waits for video both ways again.
func webAppNetworkChange(t *testing.T, d *driver, m *meetd, room string, cut func(*testing.T, *driver)) {
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	for page := range 2 {
		if err := d.openWatched(ctx, page, m.url+"/"+room); err != nil {
			t.Fatal(err)
		}
		joinWebApp(ctx, t, d, page)
	}
	for page := range 2 {
		waitWebAppMedia(t, d, page)
	}
	eval := func(page int, js string, out any) error {
		c, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		return d.eval(c, page, js, out)
	}
	var oldSID string
	if err := eval(1, webAppJS(jvbSIDJS), &oldSID); err != nil || oldSID == "" {
		t.Fatalf("session id of page 1: %q %v", oldSID, err)
	}
	w := newStatsWatch(t, func(p int) (*pcStats, error) {
		var ps *pcStats
		return ps, eval(p, webAppStatsJS, &ps)
	}, []int{0, 1})
	left := false
	w.check = func() {
		var n int
		if err := eval(0, webAppConference+".getParticipants().length", &n); err == nil && n == 0 {
			left = true
		}
	}
	cut(t, d)
	w.start = time.Now() // the cut's last step has just taken effect
	took, err := w.wait(restartLimit)
	if err != nil {
		t.Fatalf("media did not resume after page 1's path died: %v", err)
	}
	var sid string
	_ = eval(1, webAppJS(jvbSIDJS), &sid)
	how := "in place (same Jingle session)"
	if sid != oldSID {
		how = "with a new Jingle session"
	}
	t.Logf("web app: media resumed both ways %v after the cut, %s", took.Round(100*time.Millisecond), how)
	if left {
		t.Errorf("page 0 saw page 1 leave during its network change")
	}
	for _, l := range meetdLines(m) {
		if strings.Contains(l, "client path changed") || strings.Contains(l, "transport lost") ||
			strings.Contains(l, "session terminated by client") || strings.Contains(l, "client ice failed") {
			t.Logf("meetd: %.240s", l)
		}
	}
}

// meetdLines returns meetd's log lines so far.
func meetdLines(m *meetd) []string { return m.logs.all("meetd") }
