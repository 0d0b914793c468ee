package web

import (
	"encoding/json"
	"io"
	"net/http"
)

// Operations paths (the [ops] listener).
const (
	MetricsPath     = "/metrics"
	AboutHealthPath = "/about/health"
	HealthzPath     = "/healthz"
	ReadyzPath      = "/readyz"
)

// Metric is one Prometheus sample: Name (meetd_…), Help, Type ("gauge" or
// "counter"), optional Labels (name, value pairs) and the Value.
type Metric struct {
	Name, Help, Type string
	Labels           []string
	Value            float64
}

// OpsSnapshot is what the operations endpoints report.
type OpsSnapshot struct {
	// Ready: every part runs and meetd is not draining.
	Ready bool
	// Status says why not ready ("starting", "draining", a failed part).
	Status string
	// Draining: meetd stops gracefully; it is not ready but still healthy
	// (running calls go on), so /about/health stays 200.
	Draining bool
	// Candidates are the media addresses clients are told ("udp 203.0.113.7:10000").
	Candidates []string
	// Warnings are configuration problems worth an operator's attention.
	Warnings []string
	Metrics  []Metric
}

// OpsHandler serves /metrics (Prometheus, web/metrics.go), /about/health
// (JVB/Jicofo style: 200 when healthy or draining, 500 otherwise, with a
// JSON body),
// /healthz (200 while the process serves) and /readyz (200 when ready, 503
// while starting or draining). snap is called on every request.
func OpsHandler(snap func() OpsSnapshot) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("GET "+MetricsPath, metricsHandler(func() []Metric { return snap().Metrics }))
	mux.HandleFunc("GET "+AboutHealthPath, func(w http.ResponseWriter, _ *http.Request) {
		s := snap()
		code := http.StatusOK
		if !s.Ready && !s.Draining {
			code = http.StatusInternalServerError
		}
		writeJSON(w, code, healthBody(s))
	})
	mux.HandleFunc("GET "+HealthzPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, "ok\n")
	})
	mux.HandleFunc("GET "+ReadyzPath, func(w http.ResponseWriter, _ *http.Request) {
		s := snap()
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		if !s.Ready {
			w.WriteHeader(http.StatusServiceUnavailable)
		}
		_, _ = io.WriteString(w, s.Status+"\n")
	})
	return mux
}

type health struct {
	Status     string   `json:"status"`
	Candidates []string `json:"candidates"`
	Warnings   []string `json:"warnings,omitempty"`
}

func healthBody(s OpsSnapshot) health {
	return health{Status: s.Status, Candidates: s.Candidates, Warnings: s.Warnings}
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_ = json.NewEncoder(w).Encode(v)
}
