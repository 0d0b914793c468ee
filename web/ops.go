package web

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
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

// OpsHandler serves /metrics (Prometheus text format 0.0.4), /about/health
// (JVB/Jicofo style: 200 when healthy or draining, 500 otherwise, with a
// JSON body),
// /healthz (200 while the process serves) and /readyz (200 when ready, 503
// while starting or draining). snap is called on every request.
func OpsHandler(snap func() OpsSnapshot) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET "+MetricsPath, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		writeMetrics(w, snap().Metrics)
	})
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

// writeMetrics writes the samples grouped by name, HELP and TYPE once per
// name, in the order of first appearance.
func writeMetrics(w io.Writer, ms []Metric) {
	var names []string
	byName := map[string][]Metric{}
	for _, m := range ms {
		if _, seen := byName[m.Name]; !seen {
			names = append(names, m.Name)
		}
		byName[m.Name] = append(byName[m.Name], m)
	}
	for _, n := range names {
		group := byName[n]
		fmt.Fprintf(w, "# HELP %s %s\n# TYPE %s %s\n", n, escapeHelp(group[0].Help), n, group[0].Type)
		for _, m := range group {
			fmt.Fprintf(w, "%s%s %s\n", n, labels(m.Labels), strconv.FormatFloat(m.Value, 'g', -1, 64))
		}
	}
}

func labels(kv []string) string {
	if len(kv) < 2 {
		return ""
	}
	parts := make([]string, 0, len(kv)/2)
	for i := 0; i+1 < len(kv); i += 2 {
		parts = append(parts, kv[i]+"=\""+escapeLabel(kv[i+1])+"\"")
	}
	return "{" + strings.Join(parts, ",") + "}"
}

var (
	helpEscaper  = strings.NewReplacer(`\`, `\\`, "\n", `\n`)
	labelEscaper = strings.NewReplacer(`\`, `\\`, "\n", `\n`, `"`, `\"`)
)

func escapeHelp(s string) string  { return helpEscaper.Replace(s) }
func escapeLabel(s string) string { return labelEscaper.Replace(s) }
