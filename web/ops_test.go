package web

import (
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestOpsHandler(t *testing.T) {
	snap := OpsSnapshot{Ready: true, Status: "ok", Candidates: []string{"udp 203.0.113.7:10000"},
		Metrics: []Metric{
			{Name: "meetd_rooms", Help: "rooms", Type: "gauge", Value: 2},
			{Name: "meetd_drops_total", Help: "drops\nby reason", Type: "counter", Labels: []string{"reason", `a"b\c`}, Value: 3},
			{Name: "meetd_drops_total", Help: "drops\nby reason", Type: "counter", Labels: []string{"reason", "x"}, Value: 1e9},
		}}
	starting := OpsSnapshot{Status: "starting"}
	draining := OpsSnapshot{Status: "draining", Draining: true}
	tests := []struct {
		name, path string
		snap       OpsSnapshot
		status     int
		has        []string
	}{
		{"metrics", "/metrics", snap, 200, []string{
			"# HELP meetd_rooms rooms\n# TYPE meetd_rooms gauge\nmeetd_rooms 2\n",
			"# HELP meetd_drops_total drops\\nby reason\n# TYPE meetd_drops_total counter\n" +
				"meetd_drops_total{reason=\"a\\\"b\\\\c\"} 3\nmeetd_drops_total{reason=\"x\"} 1e+09\n",
			// client_golang's standard collectors come along.
			"# TYPE go_goroutines gauge\n", "# TYPE process_cpu_seconds_total counter\n", "# TYPE process_resident_memory_bytes gauge\n"}},
		{"health ok", "/about/health", snap, 200, []string{`"status":"ok"`, `"candidates":["udp 203.0.113.7:10000"]`}},
		{"health starting", "/about/health", starting, 500, []string{`"status":"starting"`}},
		{"healthz", "/healthz", starting, 200, []string{"ok"}},
		{"readyz ok", "/readyz", snap, 200, []string{"ok"}},
		{"readyz starting", "/readyz", starting, 503, []string{"starting"}},
		{"health draining", "/about/health", draining, 200, []string{`"status":"draining"`}},
		{"readyz draining", "/readyz", draining, 503, []string{"draining"}},
		{"unknown", "/debug", snap, 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			OpsHandler(func() OpsSnapshot { return tt.snap }).ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d", tt.path, rec.Code, tt.status)
			}
			for _, s := range tt.has {
				if !strings.Contains(rec.Body.String(), s) {
					t.Errorf("body lacks %q:\n%s", s, rec.Body)
				}
			}
			if strings.HasPrefix(tt.path, "/about") && !json.Valid(rec.Body.Bytes()) {
				t.Errorf("health body is not JSON: %s", rec.Body)
			}
		})
	}
}
