package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

func freeAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func get(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := (&http.Client{Timeout: wait}).Get(url)
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestOpsListener runs meetd with the ops listener and reads its endpoints.
func TestOpsListener(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := loopbackConfig(t)
	cfg.Ops.Listen = freeAddr(t)
	cfg.Web.Config = map[string]any{"p2p": map[string]any{"enabled": true}} // a privacy default turned off
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close()
	done := make(chan error, 1)
	go func() { done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), pw); _ = pw.Close() }()
	readAnnounce(t, pr)
	base := "http://" + cfg.Ops.Listen
	deadline := time.Now().Add(wait)
	for code, _ := get(t, base+"/readyz"); code != 200; code, _ = get(t, base+"/readyz") {
		if time.Now().After(deadline) {
			t.Fatalf("/readyz not 200 within %v", wait)
		}
		time.Sleep(50 * time.Millisecond)
	}
	code, body := get(t, base+"/metrics")
	for _, want := range []string{"meetd_up 1\n", "meetd_rooms 0\n", "meetd_participants 0\n", "meetd_xmpp_sessions 0\n",
		"meetd_bridge_forwarded_packets_total 0\n", "meetd_bridge_endpoints 0\n", `meetd_bridge_bytes_total{direction="in"} 0`, `meetd_bridge_conferences{endpoints="2"} 0`, "# TYPE go_goroutines gauge", `meetd_bridge_dropped_packets_total{reason="srtp"} 0`, "meetd_bridge_send_refused_datagrams_total 0\n", "meetd_log_errors_total 0\n", "meetd_http_refused_connections_total 0\n",
		"meetd_xmpp_preauth_streams 0\n", `meetd_xmpp_refused_total{reason="preauth_evicted"} 0`, "meetd_xmpp_ip_table_full_total 0\n"} {
		if code != 200 || !strings.Contains(body, want) {
			t.Errorf("/metrics (%d) lacks %q:\n%s", code, want, body)
		}
	}
	checkDashboard(t, body)
	code, body = get(t, base+"/about/health")
	var h struct {
		Status     string   `json:"status"`
		Candidates []string `json:"candidates"`
	}
	if err := json.Unmarshal([]byte(body), &h); err != nil || code != 200 || h.Status != "ok" ||
		len(h.Candidates) != 1 || !strings.HasPrefix(h.Candidates[0], "udp 127.0.0.1:") {
		t.Errorf("/about/health = %d %s (%v)", code, body, err)
	}
	if !strings.Contains(body, "web.config.p2p.enabled = true turns off a privacy default") {
		t.Errorf("/about/health does not warn about p2p turned on: %s", body)
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("serve = %v", err)
	}
	if code, _ := get(t, base+"/healthz"); code != 0 {
		t.Errorf("ops listener still answers after the stop (%d)", code)
	}
}

func TestMediaWarnings(t *testing.T) {
	tests := []struct {
		domain    string
		advertise []string
		warn      bool
	}{
		{"localhost", []string{"127.0.0.1"}, false},
		{"meet.example.com", []string{"203.0.113.7"}, false},
		{"meet.example.com", []string{"10.0.0.2", "2001:db8::1"}, false},
		{"meet.example.com", []string{"10.0.0.2"}, true},
		{"meet.example.com", []string{"192.168.1.5", "fd00::1", "127.0.0.1"}, true},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprint(tt.domain, tt.advertise), func(t *testing.T) {
			if got := len(mediaWarnings(tt.domain, tt.advertise)) > 0; got != tt.warn {
				t.Errorf("warning = %v, want %v", got, tt.warn)
			}
		})
	}
	got := mediaCandidates([]string{"203.0.113.7", "2001:db8::1"}, &net.UDPAddr{Port: 10000})
	if want := []string{"udp 203.0.113.7:10000", "udp [2001:db8::1]:10000"}; !reflect.DeepEqual(got, want) {
		t.Errorf("candidates = %v, want %v", got, want)
	}
}

// checkDashboard: every metric the Grafana dashboard in packaging/ queries is one meetd's /metrics exports
// (metrics is a scrape of a running meetd), so the dashboard shows no empty panel after a rename.
func checkDashboard(t *testing.T, metrics string) {
	t.Helper()
	data, err := os.ReadFile("../../packaging/grafana-dashboard.json")
	if err != nil {
		t.Fatal(err)
	}
	var dash struct {
		Panels []struct {
			Title   string
			Targets []struct{ Expr string }
		}
	}
	if err := json.Unmarshal(data, &dash); err != nil {
		t.Fatalf("grafana-dashboard.json: %v", err)
	}
	name := regexp.MustCompile(`\b(?:meetd|go|process)_[a-z_]+\b`)
	n := 0
	for _, p := range dash.Panels {
		for _, tg := range p.Targets {
			for _, m := range name.FindAllString(tg.Expr, -1) {
				n++
				if !regexp.MustCompile(`(?m)^` + m + `[{ ]`).MatchString(metrics) {
					t.Errorf("dashboard panel %q queries %s, which /metrics does not export", p.Title, m)
				}
			}
		}
	}
	if n < 20 {
		t.Errorf("the dashboard queries only %d metrics", n)
	}
}
