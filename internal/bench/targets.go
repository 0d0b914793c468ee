package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"meetd/internal/load"
)

// WriteTargets checks the speed targets of issue 15 against the report,
// for the first system (meetd): CPU per packet against peer (Galène) in
// S2 and S3, the one-core ceiling, R, join latency, and memory per
// receive-only endpoint against memPeer (Janus).
func (rep *Report) WriteTargets(w io.Writer, sys, peer, memPeer string) {
	fmt.Fprintf(w, "| target | measured | met |\n|---|---|---|\n")
	if len(rep.Results) == 0 && len(rep.Ceiling) == 0 { // e.g. -scenarios none -extras memory
		fmt.Fprintf(w, "| CPU, R, one-core ceiling, join latency | not run in this invocation | — |\n")
		rep.writeMemTarget(w, sys, memPeer)
		return
	}
	for _, sc := range []string{"S2", "S3"} {
		ids := rep.scenarioIDs(sc)
		var parts []string
		ok := len(ids) > 0
		for _, id := range ids {
			s := rep.ratio(sys, peer, id)
			if s.med == 0 || !rep.forwardsAlike(sys, peer, id) {
				ok = false
				parts = append(parts, id+": no valid "+peer+" data")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s: %s", id, s.fmt(2)))
			ok = ok && s.med <= 0.5
		}
		fmt.Fprintf(w, "| %s CPU/pkt ≤ 0.5 × %s in %s | %s | %s |\n", sys, peer, sc, strings.Join(parts, "; "), yes(ok))
	}
	rep.writeRTarget(w, sys)
	c := rep.CeilingPPS()
	fmt.Fprintf(w, "| one-core ceiling ≥ 150k fwd pps (loss < 0.1 %%, p99 < 10 ms) | %.0f pps | %s |\n", c, yes(c >= 150000))
	rep.writeJoinTarget(w, sys)
	rep.writeMemTarget(w, sys, memPeer)
}

// forwardsAlike reports whether other delivered at least 90 % of sys's
// forwarded packets in scenario (medians): a system that forwards less
// must not look cheaper per packet.
func (rep *Report) forwardsAlike(sys, other, scenario string) bool {
	a := metric(rep.runs(sys, scenario), func(r Result) float64 { return r.FwdPPS }).med
	b := metric(rep.runs(other, scenario), func(r Result) float64 { return r.FwdPPS }).med
	return a > 0 && b >= 0.9*a
}

// WriteRatios writes, per scenario, sys's CPU per forwarded packet ÷ each
// peer's in the same round, and the peer's forwarded rate ÷ sys's (the
// check that the peer really forwards the same media).
func (rep *Report) WriteRatios(w io.Writer, sys string, peers ...string) {
	var have []string
	for _, p := range peers {
		for _, sc := range rep.scenarios() {
			if len(rep.runs(p, sc)) > 0 && !slices.Contains(have, p) {
				have = append(have, p)
			}
		}
	}
	if len(have) == 0 {
		return
	}
	fmt.Fprintf(w, "| scenario |")
	for _, p := range have {
		fmt.Fprintf(w, " %s ÷ %s CPU/pkt | %s ÷ %s fwd pps |", sys, p, p, sys)
	}
	fmt.Fprintf(w, "\n|---|%s\n", repeat("---|---|", len(have)))
	for _, sc := range rep.scenarios() {
		if len(rep.runs(sys, sc)) == 0 {
			continue
		}
		fmt.Fprintf(w, "| %s |", sc)
		for _, p := range have {
			r := rep.ratio(sys, p, sc)
			a := metric(rep.runs(sys, sc), func(r Result) float64 { return r.FwdPPS }).med
			b := metric(rep.runs(p, sc), func(r Result) float64 { return r.FwdPPS }).med
			switch {
			case r.med == 0 || a == 0:
				fmt.Fprintf(w, " — | — |")
			case !rep.forwardsAlike(sys, p, sc):
				fmt.Fprintf(w, " (%s, not comparable) | **%.2f** |", r.fmt(2), b/a)
			default:
				fmt.Fprintf(w, " %s | %.2f |", r.fmt(2), b/a)
			}
		}
		fmt.Fprintln(w)
	}
}

func (rep *Report) scenarioIDs(prefix string) []string {
	var out []string
	for _, id := range rep.scenarios() {
		if id == prefix || strings.HasPrefix(id, prefix+"-") {
			out = append(out, id)
		}
	}
	return out
}

func (rep *Report) writeRTarget(w io.Writer, sys string) {
	var parts []string
	ok, any := true, false
	for _, id := range rep.scenarios() {
		rs := rep.runs(sys, id)
		if len(rs) == 0 {
			continue
		}
		s := rep.ratio(sys, "minimal forwarder", id)
		if s.med == 0 {
			continue
		}
		any = true
		ok = ok && s.med <= 1.5
		parts = append(parts, fmt.Sprintf("%s: R %s", id, s.fmt(2)))
	}
	fmt.Fprintf(w, "| R ≤ 1.5 in every scenario | %s | %s |\n", strings.Join(parts, "; "), yes(ok && any))
}

func (rep *Report) writeJoinTarget(w io.Writer, sys string) {
	var parts []string
	ok := true
	for _, id := range rep.scenarios() {
		rs := rep.runs(sys, id)
		if len(rs) == 0 {
			continue
		}
		s := metric(rs, func(r Result) float64 { return float64(r.Joins.Quantile(load.StageKeyframe, 0.5)) })
		ok = ok && time.Duration(s.med) <= 300*time.Millisecond && s.med > 0
		parts = append(parts, fmt.Sprintf("%s %.0f", id, ms(s.med)))
	}
	fmt.Fprintf(w, "| join → first decodable keyframe p50 ≤ 300 ms | %s ms | %s |\n", strings.Join(parts, ", "), yes(ok && len(parts) > 0))
}

func yes(ok bool) string {
	if ok {
		return "yes"
	}
	return "**no**"
}
