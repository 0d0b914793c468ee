package bench

import (
	"fmt"
	"io"
	"slices"
	"time"

	"meetd/internal/load"
)

// spread is the median and range of one metric over rounds.
type spread struct{ med, lo, hi float64 }

func spreadOf(v []float64) spread {
	if len(v) == 0 {
		return spread{}
	}
	s := slices.Clone(v)
	slices.Sort(s)
	m := s[len(s)/2]
	if len(s)%2 == 0 {
		m = (s[len(s)/2-1] + s[len(s)/2]) / 2
	}
	return spread{med: m, lo: s[0], hi: s[len(s)-1]}
}

func (s spread) fmt(prec int) string {
	if s.lo == s.hi {
		return fmt.Sprintf("%.*f", prec, s.med)
	}
	return fmt.Sprintf("%.*f (%.*f–%.*f)", prec, s.med, prec, s.lo, prec, s.hi)
}

// results of one system in one scenario.
func (rep *Report) runs(system, scenario string) []Result {
	var out []Result
	for _, r := range rep.Results {
		if r.System == system && r.Scenario == scenario {
			out = append(out, r)
		}
	}
	return out
}

func metric(rs []Result, f func(Result) float64) spread {
	v := make([]float64, len(rs))
	for i, r := range rs {
		v[i] = f(r)
	}
	return spreadOf(v)
}

// ratio returns, per round, system µs/pkt ÷ other's µs/pkt.
func (rep *Report) ratio(system, other, scenario string) spread {
	var v []float64
	for _, a := range rep.runs(system, scenario) {
		for _, b := range rep.runs(other, scenario) {
			if a.Round == b.Round && b.USPerPkt > 0 {
				v = append(v, a.USPerPkt/b.USPerPkt)
			}
		}
	}
	return spreadOf(v)
}

// systems lists the systems in result order.
func (rep *Report) systems() []string {
	var out []string
	for _, r := range rep.Results {
		if !slices.Contains(out, r.System) {
			out = append(out, r.System)
		}
	}
	return out
}

func (rep *Report) scenarios() []string {
	var out []string
	for _, r := range rep.Results {
		if !slices.Contains(out, r.Scenario) {
			out = append(out, r.Scenario)
		}
	}
	return out
}

func ms(d float64) float64 { return d / float64(time.Millisecond) }

// WriteMarkdown writes the scenario table, ceiling, memory and join stages.
func (rep *Report) WriteMarkdown(w io.Writer) {
	fmt.Fprintf(w, "| scenario | system | forwarded pps | CPU µs / fwd pkt | fwd pps per core | R (÷ minimal fwd) | added latency p50 / p99 ms | loss %% | RSS MiB | join→keyframe p50 / p99 ms | failed joins | UDP drops | foreign load, cores |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n")
	for _, sc := range rep.scenarios() {
		for _, sys := range rep.systems() {
			rs := rep.runs(sys, sc)
			if len(rs) == 0 {
				continue
			}
			rep.writeRow(w, sc, sys, rs)
		}
	}
	rep.writeCeiling(w)
	rep.writeMemory(w)
	rep.writeStages(w)
	if len(rep.Skipped) > 0 {
		fmt.Fprintf(w, "\nRuns that failed:\n\n")
		for _, s := range rep.Skipped {
			fmt.Fprintf(w, "- %s\n", s)
		}
	}
}

func (rep *Report) writeRow(w io.Writer, sc, sys string, rs []Result) {
	r := "—"
	if sys != "minimal forwarder" {
		if s := rep.ratio(sys, "minimal forwarder", sc); s.med > 0 {
			r = s.fmt(2)
		}
	}
	if sys == "minimal forwarder" {
		fmt.Fprintf(w, "| %s | %s | %s | %s | %s | 1 | — | — | — | — | — | — | — |\n", sc, sys,
			metric(rs, func(r Result) float64 { return r.FwdPPS }).fmt(0),
			metric(rs, func(r Result) float64 { return r.USPerPkt }).fmt(2),
			metric(rs, func(r Result) float64 { return r.PPSPerCore() }).fmt(0))
		return
	}
	fmt.Fprintf(w, "| %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s / %s | %s | %s | %s |\n", sc, sys,
		metric(rs, func(r Result) float64 { return r.FwdPPS }).fmt(0),
		metric(rs, func(r Result) float64 { return r.USPerPkt }).fmt(2),
		metric(rs, func(r Result) float64 { return r.PPSPerCore() }).fmt(0), r,
		metric(rs, func(r Result) float64 { return ms(float64(r.LatP50)) }).fmt(2),
		metric(rs, func(r Result) float64 { return ms(float64(r.LatP99)) }).fmt(2),
		metric(rs, func(r Result) float64 { return 100 * r.Loss }).fmt(3),
		metric(rs, func(r Result) float64 { return float64(r.RSS >> 20) }).fmt(0),
		metric(rs, func(r Result) float64 { return ms(float64(r.Joins.Quantile(load.StageKeyframe, 0.5))) }).fmt(0),
		metric(rs, func(r Result) float64 { return ms(float64(r.Joins.Quantile(load.StageKeyframe, 0.99))) }).fmt(0),
		metric(rs, func(r Result) float64 { return float64(r.Failed) }).fmt(0),
		metric(rs, func(r Result) float64 { return float64(r.UDPDrops) }).fmt(0),
		metric(rs, func(r Result) float64 { return r.ForeignCores }).fmt(2))
}

func (rep *Report) writeCeiling(w io.Writer) {
	if len(rep.Ceiling) == 0 {
		return
	}
	fmt.Fprintf(w, "\nOne-core ramp (the server pinned to one core, GOMAXPROCS=1 for Go servers; rooms of 10 publishers, one 150 kbit/s layer; "+
		"raised until a step fails loss < 0.1 %% or p99 < 10 ms, or the steps run out). The load tool has one core of its own: a failing step "+
		"whose tool cores are near 1 is the tool's limit, not the server's.\n\n")
	fmt.Fprintf(w, "| system | step | forwarded pps | CPU µs / fwd pkt | server cores | tool cores | added latency p50 / p99 ms | loss %% | within ceiling condition |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, r := range rep.Ceiling {
		fmt.Fprintf(w, "| %s | %s | %.0f | %.2f | %.2f | %.2f | %.2f / %.2f | %.3f | %v |\n", r.System, r.Scenario, r.FwdPPS, r.USPerPkt, r.Cores,
			r.ToolCores, ms(float64(r.LatP50)), ms(float64(r.LatP99)), 100*r.Loss, r.withinCeiling())
	}
	fmt.Fprintln(w)
	for _, sys := range rep.rampSystems() {
		c, last := rep.CeilingOf(sys)
		how := "the ramp ran out of steps while still passing: the ceiling is higher"
		if !last.withinCeiling() {
			how = fmt.Sprintf("the next step (%s, %.0f pps, p99 %.2f ms, loss %.3f %%, server %.2f cores, tool %.2f cores) failed",
				last.Scenario, last.FwdPPS, ms(float64(last.LatP99)), 100*last.Loss, last.Cores, last.ToolCores)
		}
		fmt.Fprintf(w, "- %s ceiling (highest step with loss < 0.1 %% and p99 < 10 ms): **%.0f forwarded pps on one core**; %s.\n", sys, c, how)
	}
}

// rampSystems lists the systems of the one-core ramp in order.
func (rep *Report) rampSystems() []string {
	var out []string
	for _, r := range rep.Ceiling {
		if !slices.Contains(out, r.System) {
			out = append(out, r.System)
		}
	}
	return out
}

// CeilingPPS is the first ramped system's ceiling.
func (rep *Report) CeilingPPS() float64 {
	if len(rep.Ceiling) == 0 {
		return 0
	}
	c, _ := rep.CeilingOf(rep.Ceiling[0].System)
	return c
}

// CeilingOf is the highest forwarded rate of sys's steps within the
// condition, and sys's last step.
func (rep *Report) CeilingOf(sys string) (float64, Result) {
	best, last := 0.0, Result{}
	for _, r := range rep.Ceiling {
		if r.System != sys {
			continue
		}
		last = r
		if r.withinCeiling() {
			best = max(best, r.FwdPPS)
		}
	}
	return best, last
}

func (rep *Report) writeStages(w io.Writer) {
	if len(rep.scenarios()) == 0 {
		return // a memory-only run
	}
	fmt.Fprintf(w, "\nJoin latency by stage, p50 / p99 ms from the MUC join (Janus: from the publisher's join request), last round:\n\n| scenario | system |")
	for _, n := range load.StageNames {
		fmt.Fprintf(w, " %s |", n)
	}
	fmt.Fprintf(w, "\n|---|---|%s\n", repeat("---|", len(load.StageNames)))
	for _, sc := range rep.scenarios() {
		for _, sys := range rep.systems() {
			rs := rep.runs(sys, sc)
			if len(rs) == 0 || sys == "minimal forwarder" {
				continue
			}
			j := rs[len(rs)-1].Joins
			fmt.Fprintf(w, "| %s | %s |", sc, sys)
			for i := range load.StageNames {
				fmt.Fprintf(w, " %.0f / %.0f |", ms(float64(j.Quantile(i, 0.5))), ms(float64(j.Quantile(i, 0.99))))
			}
			fmt.Fprintln(w)
		}
	}
}

func repeat(s string, n int) string {
	out := ""
	for range n {
		out += s
	}
	return out
}
