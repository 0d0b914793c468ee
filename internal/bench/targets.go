package bench

import (
	"fmt"
	"io"
	"strings"
	"time"

	"meetd/internal/load"
)

// WriteTargets checks the acceptance targets of issue 6 against the
// report, for the first system (meetd) and the peer named peer.
func (rep *Report) WriteTargets(w io.Writer, sys, peer string) {
	fmt.Fprintf(w, "| target | measured | met |\n|---|---|---|\n")
	if len(rep.Results) == 0 && len(rep.Ceiling) == 0 { // e.g. -scenarios none -extras memory
		fmt.Fprintf(w, "| CPU, R, one-core ceiling, join latency | not run in this invocation | — |\n")
		rep.writeMemTarget(w, sys)
		return
	}
	for _, sc := range []string{"S2", "S3"} {
		ids := rep.scenarioIDs(sc)
		var parts []string
		ok := len(ids) > 0
		for _, id := range ids {
			s := rep.ratio(sys, peer, id)
			if s.med == 0 {
				ok = false
				parts = append(parts, id+": no "+peer+" data")
				continue
			}
			parts = append(parts, fmt.Sprintf("%s: %s", id, s.fmt(2)))
			ok = ok && s.med <= 0.5
		}
		fmt.Fprintf(w, "| %s CPU/pkt ≤ 0.5 × %s in %s | %s | %s |\n", sys, peer, sc, strings.Join(parts, "; "), yes(ok))
	}
	rep.writeRTarget(w, sys)
	c := rep.CeilingPPS()
	fmt.Fprintf(w, "| one-core ceiling ≥ 60k fwd pps (loss < 0.1 %%, p99 < 10 ms) | %.0f pps | %s |\n", c, yes(c >= 60000))
	rep.writeJoinTarget(w, sys)
	rep.writeMemTarget(w, sys)
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
		if len(rs) == 0 || metric(rs, func(r Result) float64 { return r.FwdPPS }).med < 20000 {
			continue
		}
		s := rep.ratio(sys, "minimal forwarder", id)
		if s.med == 0 {
			continue
		}
		any = true
		ok = ok && s.med <= 3
		parts = append(parts, fmt.Sprintf("%s: R %s", id, s.fmt(2)))
	}
	fmt.Fprintf(w, "| R ≤ 3 at ≥ 20k fwd pps | %s | %s |\n", strings.Join(parts, "; "), yes(ok && any))
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
