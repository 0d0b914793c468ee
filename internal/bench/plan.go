package bench

import (
	"context"
	"fmt"
	"math"
)

// Plan is a whole benchmark: systems interleaved round by round over the
// scenarios, the baseline after every run of the first system.
type Plan struct {
	Systems   []System
	Baseline  *Baseline
	Scenarios []Scenario
	Ceiling   []Scenario // one-core ramp, stops at the first failing step
	// RampSystems are the systems ramped (those whose signalling spreads
	// endpoints over rooms); default the first system.
	RampSystems []System
	Memory      [2]Scenario
	Rounds      int
	Timing      Timing
	BaseTime    Timing
	Progress    func(string)
	Hook        WindowHook // run during every scenario window (not the ramp or memory runs)
}

// Report is everything a plan measured.
type Report struct {
	Results  []Result // scenario runs, all systems and the baseline
	Ceiling  []Result
	Memory   []Result
	Skipped  []string
	Rounds   int
	Timing   Timing
	Scenario map[string]Scenario
}

// Run executes the plan.
func (p *Plan) Run(ctx context.Context) (*Report, error) {
	rep := &Report{Rounds: p.Rounds, Timing: p.Timing, Scenario: map[string]Scenario{}}
	for _, sc := range p.Scenarios {
		rep.Scenario[sc.ID] = sc
	}
	dead := map[string]bool{}
	for round := 1; round <= p.Rounds; round++ {
		for _, sc := range p.Scenarios {
			for i, sys := range p.Systems {
				if dead[sys.Name()] {
					continue
				}
				if sc.MeetdOnly && sys.Name() != "meetd" {
					if round == 1 {
						rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s %s: not applicable", sys.Name(), sc.ID))
					}
					continue
				}
				r, err := MeasureHook(ctx, sys, sc, p.Timing, p.Progress, p.Hook)
				if ctx.Err() != nil {
					return rep, ctx.Err()
				}
				if err != nil {
					p.Progress(fmt.Sprintf("%s %s round %d failed: %v", sys.Name(), sc.ID, round, err))
					rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s %s round %d: %v", sys.Name(), sc.ID, round, firstLine(err)))
					if i > 0 && round == 1 {
						dead[sys.Name()] = true
					}
					continue
				}
				r.Round = round
				rep.Results = append(rep.Results, r)
				p.Progress(r.line())
				if i == 0 && p.Baseline != nil {
					p.baseline(ctx, rep, sc, r)
				}
			}
		}
	}
	p.ramp(ctx, rep)
	p.memory(ctx, rep)
	return rep, ctx.Err()
}

func (p *Plan) baseline(ctx context.Context, rep *Report, sc Scenario, r Result) {
	fan := int(math.Round(sc.Fanout))
	if r.FwdPPS <= 0 || fan <= 0 {
		return
	}
	b, err := p.Baseline.Measure(ctx, r.FwdPPS/sc.Fanout, fan, r.Payload, p.BaseTime)
	if err != nil {
		p.Progress(fmt.Sprintf("baseline %s failed: %v", sc.ID, err))
		return
	}
	b.Scenario, b.Round = sc.ID, r.Round
	rep.Results = append(rep.Results, b)
	p.Progress(b.line())
}

// ramp raises the load on each ramped system pinned to one core until
// loss reaches 0.1 % or p99 added latency 10 ms (or the steps run out).
func (p *Plan) ramp(ctx context.Context, rep *Report) {
	systems := p.RampSystems
	if len(systems) == 0 && len(p.Systems) > 0 {
		systems = p.Systems[:1]
	}
	for _, sys := range systems {
		for _, sc := range p.Ceiling {
			r, err := Measure(ctx, sys, sc, p.Timing, p.Progress)
			if ctx.Err() != nil {
				return
			}
			if err != nil {
				p.Progress(fmt.Sprintf("ceiling %s %s failed: %v", sys.Name(), sc.ID, err))
				rep.Skipped = append(rep.Skipped, fmt.Sprintf("%s %s (ramp): %v", sys.Name(), sc.ID, firstLine(err)))
				break
			}
			rep.Ceiling = append(rep.Ceiling, r)
			p.Progress(r.line())
			if !r.withinCeiling() {
				break
			}
		}
	}
}

// withinCeiling is the ceiling condition of docs/performance.md#metrics.
func (r Result) withinCeiling() bool {
	return r.Failed == 0 && r.Loss < 0.001 && r.LatP99 < 10e6
}

func (r Result) line() string {
	return fmt.Sprintf("%-18s %-7s round %d: %7.0f fwd pps (+%.0f rtx), %5.1f µs/pkt (%.2f cores), lat p50 %v p99 %v, loss %.3f%%, udp drops %d, rss %d MiB, failed %d, tool %.2f foreign %.2f cores",
		r.System, r.Scenario, r.Round, r.FwdPPS, r.RTXPPS, r.USPerPkt, r.Cores, r.LatP50, r.LatP99, 100*r.Loss, r.UDPDrops, r.RSS>>20, r.Failed,
		r.ToolCores, r.ForeignCores)
}

func firstLine(err error) string {
	s := err.Error()
	for i, c := range s {
		if c == '\n' {
			return s[:i]
		}
	}
	return s
}
