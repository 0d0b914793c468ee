package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"time"

	"meetd/internal/load"
)

// SoakSample is the server's state after one join/leave cycle.
type SoakSample struct {
	Cycle   int
	At      time.Duration
	RSS     int64
	Threads int
	Failed  int
	FwdPPS  float64
}

// Soak runs one server for total, joining a fresh room of cfg's shape every
// cycle, holding it for hold, and leaving; it samples RSS and threads after
// every cycle, once the endpoints have left.
func Soak(ctx context.Context, srv *Server, cfg load.Config, total, hold time.Duration, progress func(string)) ([]SoakSample, error) {
	var out []SoakSample
	start := time.Now()
	for i := 1; time.Since(start) < total; i++ {
		c := cfg
		c.URL, c.Room = srv.URL, fmt.Sprintf("soak%d", i)
		l, err := load.Start(ctx, c)
		if err != nil {
			return out, err
		}
		failed := len(l.Wait(ctx))
		a := l.Snapshot()
		_ = sleep(ctx, hold)
		w := load.Diff(a, l.Snapshot())
		l.Close()
		if err := sleep(ctx, 2*time.Second); err != nil { // let the focus expire the conference
			return out, err
		}
		p, err := SampleProc(srv.Proc.PID())
		if err != nil {
			return out, err
		}
		s := SoakSample{Cycle: i, At: time.Since(start), RSS: p.RSS, Threads: threads(srv.Proc.PID()),
			Failed: failed, FwdPPS: w.ReceivedPPS()}
		out = append(out, s)
		progress(fmt.Sprintf("soak cycle %d: rss %.1f MiB, threads %d, failed %d, %.0f fwd pps", i,
			float64(s.RSS)/(1<<20), s.Threads, s.Failed, s.FwdPPS))
	}
	return out, nil
}

func threads(pid int) int {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return 0
}

// WriteSoak writes the soak samples and the drift verdict: RSS of the last
// third of cycles against the first third (after the first cycle, which
// warms caches), and failed joins.
func WriteSoak(w io.Writer, ss []SoakSample) bool {
	fmt.Fprintf(w, "| cycle | at | RSS MiB | threads | failed joins | fwd pps |\n|---|---|---|---|---|---|\n")
	failed := 0
	for _, s := range ss {
		failed += s.Failed
		fmt.Fprintf(w, "| %d | %v | %.1f | %d | %d | %.0f |\n", s.Cycle, s.At.Round(time.Second),
			float64(s.RSS)/(1<<20), s.Threads, s.Failed, s.FwdPPS)
	}
	if len(ss) < 4 {
		fmt.Fprintf(w, "\nToo few cycles for a drift verdict.\n")
		return false
	}
	third := (len(ss) - 1) / 3
	early, late := meanRSS(ss[1:1+third]), meanRSS(ss[len(ss)-third:])
	drift := (late - early) / early
	ok := drift < 0.10 && failed == 0
	fmt.Fprintf(w, "\nRSS mean of the first third %.1f MiB, last third %.1f MiB (drift %+.1f %%); failed joins %d; verdict: %s.\n",
		early/(1<<20), late/(1<<20), 100*drift, failed, map[bool]string{true: "no drift", false: "**drift or failures**"}[ok])
	return ok
}

func meanRSS(ss []SoakSample) float64 {
	var sum float64
	for _, s := range ss {
		sum += float64(s.RSS)
	}
	return sum / float64(max(1, len(ss)))
}
