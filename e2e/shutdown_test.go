package e2e

import (
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// opsURL is meetd's default operations listener; inside the private namespace nothing else uses it.
	opsURL = "http://127.0.0.1:8887"
	// shutdownBound is cmd/meetd's bound for a graceful stop.
	shutdownBound = 10 * time.Second
)

// TestShutdownDuringCall: during a two-party call the ops listener reports the room, both participants, the
// XMPP sessions and forwarded media; then SIGTERM stops meetd cleanly (exit status 0) within the shutdown
// bound, and both clients are told (their XMPP connection ends).
func TestShutdownDuringCall(t *testing.T) {
	s := newSession(t)
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "shutdown")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)

	if code, body := opsGet(t, "/readyz"); code != http.StatusOK {
		t.Errorf("/readyz during the call = %d %q", code, body)
	}
	opsGet(t, "/metrics") // bit rates are averages since the previous scrape
	time.Sleep(time.Second)
	_, metrics := opsGet(t, "/metrics")
	for name, want := range map[string]float64{"meetd_rooms": 1, "meetd_participants": 2, "meetd_xmpp_sessions": 2, "meetd_up": 1} {
		if got := metricValue(metrics, name); got != want {
			t.Errorf("%s = %v during the call, want %v", name, got, want)
		}
	}
	if got := metricValue(metrics, "meetd_bridge_forwarded_packets_total"); got < 100 {
		t.Errorf("meetd_bridge_forwarded_packets_total = %v during the call, want media", got)
	}
	if got := metricValue(metrics, `meetd_bridge_bitrate_bps{direction="in"}`); got < 10000 {
		t.Errorf("bridge bit rate in = %v bps during the call, want media", got)
	}
	if got := metricValue(metrics, "meetd_bridge_endpoints"); got != 2 {
		t.Errorf("meetd_bridge_endpoints = %v, want 2", got)
	}

	start := time.Now()
	if err := s.meetd.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-s.meetd.exited:
	case <-time.After(shutdownBound + 5*time.Second):
		t.Fatalf("meetd still runs %v after SIGTERM (bound %v)", time.Since(start), shutdownBound)
	}
	took := time.Since(start)
	if st := s.meetd.cmd.ProcessState; !st.Success() || took > shutdownBound+time.Second {
		t.Errorf("meetd stopped after %v with %v; want exit 0 within %v", took, st, shutdownBound)
	}
	if _, err := s.meetd.waitLog(t.Context(), "meetd: stopped"); err != nil {
		t.Error(err)
	}
	err := poll(shutdownBound, func() (bool, error) {
		for _, p := range pages {
			if st, err := s.status(p); err != nil || !toldToLeave(st) {
				return false, err
			}
		}
		return true, nil
	})
	if err != nil {
		t.Errorf("clients were not told that meetd stopped: %v\n%s", err, s.describeAll(pages))
	}
	t.Logf("meetd stopped %v after SIGTERM during a call; metrics during the call:\n%s", took.Round(time.Millisecond), grepMetrics(metrics))
}

// toldToLeave: the page's XMPP connection ended (lib-jitsi-meet reports a failed or closed connection).
func toldToLeave(st pageStatus) bool {
	for _, e := range st.Events {
		if e.Kind == "disconnected" {
			return true
		}
	}
	for _, e := range st.Errors {
		if strings.Contains(e, "connection failed") || strings.Contains(e, "conference failed") {
			return true
		}
	}
	return false
}

func opsGet(t *testing.T, path string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(opsURL + path)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// metricValue returns the value of an unlabelled sample, or -1.
func metricValue(text, name string) float64 {
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` (\S+)$`).FindStringSubmatch(text)
	if m == nil {
		return -1
	}
	v, err := strconv.ParseFloat(m[1], 64)
	if err != nil {
		return -1
	}
	return v
}

func grepMetrics(text string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.HasPrefix(l, "meetd_") {
			out = append(out, "  "+l)
		}
	}
	return strings.Join(out, "\n")
}
