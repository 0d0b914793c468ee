package web

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// metricsHandler serves /metrics through Prometheus's client library
// (client_golang): meetd's own samples, taken from snap at every scrape,
// next to the library's standard go_* and process_* metrics. Counters are
// monotonic totals and gauges current values, so any number of scrapers
// read the same series (nothing is reset or averaged "since the previous
// scrape"). The registry is this handler's own, not the library's global.
func metricsHandler(snap func() []Metric) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		snapshotCollector(snap),
	)
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{ErrorHandling: promhttp.ContinueOnError})
}

// snapshotCollector turns meetd's Metric samples into Prometheus metrics at
// collection time. It is an unchecked collector (Describe sends nothing):
// the set of series follows what the parts report.
type snapshotCollector func() []Metric

// Describe sends no descriptors (unchecked collector).
func (snapshotCollector) Describe(chan<- *prometheus.Desc) {}

// Collect sends one constant metric per sample.
func (c snapshotCollector) Collect(ch chan<- prometheus.Metric) {
	for _, m := range c() {
		var names, values []string
		for i := 0; i+1 < len(m.Labels); i += 2 {
			names = append(names, m.Labels[i])
			values = append(values, m.Labels[i+1])
		}
		desc := prometheus.NewDesc(m.Name, m.Help, names, nil)
		kind := prometheus.GaugeValue
		if m.Type == "counter" {
			kind = prometheus.CounterValue
		}
		pm, err := prometheus.NewConstMetric(desc, kind, m.Value, values...)
		if err != nil {
			pm = prometheus.NewInvalidMetric(desc, err)
		}
		ch <- pm
	}
}
