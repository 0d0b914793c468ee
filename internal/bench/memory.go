package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// memory runs the two memory scenarios on every system, once a round, the
// systems interleaved; a pair is kept only when both runs succeeded, so
// rep.Memory holds (small, large) pairs of one system and round.
func (p *Plan) memory(ctx context.Context, rep *Report) {
	if p.Memory[0].ID == "" {
		return
	}
	for round := 1; round <= max(1, p.Rounds); round++ {
		for _, sys := range p.Systems {
			pair, err := p.memoryPair(ctx, sys, round)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				p.Progress(fmt.Sprintf("memory %s round %d failed: %v", sys.Name(), round, err))
				continue
			}
			rep.Memory = append(rep.Memory, pair[0], pair[1])
		}
	}
}

func (p *Plan) memoryPair(ctx context.Context, sys System, round int) ([2]Result, error) {
	var pair [2]Result
	for i, sc := range p.Memory {
		r, err := Measure(ctx, sys, sc, p.Timing, p.Progress)
		if err != nil {
			return pair, err
		}
		r.Round = round
		pair[i] = r
		p.Progress(r.line())
	}
	return pair, nil
}

// memPair is one round's pair of memory runs of one system.
type memPair struct {
	a, b Result
	per  float64 // MiB per receive-only endpoint
}

// memPairs returns the memory pairs of one system (all systems if sys is "").
func (rep *Report) memPairs(sys string) []memPair {
	var out []memPair
	for i := 0; i+1 < len(rep.Memory); i += 2 {
		a, b := rep.Memory[i], rep.Memory[i+1]
		na, nb := rep.memN(a), rep.memN(b)
		if (sys != "" && a.System != sys) || na == nb {
			continue
		}
		out = append(out, memPair{a: a, b: b, per: float64(b.RSS-a.RSS) / float64(nb-na) / (1 << 20)})
	}
	return out
}

// memPerEndpoint is the median and range over rounds of one system's MiB per
// receive-only endpoint.
func (rep *Report) memPerEndpoint(sys string) (spread, int) {
	ps := rep.memPairs(sys)
	v := make([]float64, len(ps))
	for i, p := range ps {
		v[i] = p.per
	}
	return spreadOf(v), len(v)
}

func (rep *Report) memN(r Result) int {
	var n int
	_, _ = fmt.Sscanf(r.Scenario, "M-%d", &n)
	return n
}

func (rep *Report) writeMemory(w io.Writer) {
	ps := rep.memPairs("")
	if len(ps) == 0 {
		return
	}
	fmt.Fprintf(w, "\nMemory per receive-only endpoint (RSS difference between two fresh runs ÷ endpoint difference), every round:\n\n")
	fmt.Fprintf(w, "| system | round | runs | RSS MiB | per endpoint MiB |\n|---|---|---|---|---|\n")
	for _, p := range ps {
		fmt.Fprintf(w, "| %s | %d | %s / %s | %.1f / %.1f | %.3f |\n", p.a.System, p.a.Round, p.a.Scenario, p.b.Scenario,
			float64(p.a.RSS)/(1<<20), float64(p.b.RSS)/(1<<20), p.per)
	}
	var seen []string
	for _, p := range ps {
		if slices.Contains(seen, p.a.System) {
			continue
		}
		seen = append(seen, p.a.System)
		s, _ := rep.memPerEndpoint(p.a.System)
		fmt.Fprintf(w, "| %s | median (min–max) | | | %s |\n", p.a.System, s.fmt(3))
	}
}

func (rep *Report) writeMemTarget(w io.Writer, sys, peer string) {
	s, n := rep.memPerEndpoint(sys)
	if n == 0 {
		return
	}
	p, pn := rep.memPerEndpoint(peer)
	if pn == 0 {
		fmt.Fprintf(w, "| memory per receive-only endpoint ≤ %s's | %s MiB (%d runs); no %s data | **no** |\n", peer, s.fmt(3), n, peer)
		return
	}
	fmt.Fprintf(w, "| memory per receive-only endpoint ≤ %s's | %s MiB against %s MiB (%d / %d runs) | %s |\n",
		peer, s.fmt(3), p.fmt(3), n, pn, yes(s.med <= p.med))
}
