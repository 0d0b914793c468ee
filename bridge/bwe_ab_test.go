package bridge

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"
)

// The A/B comparison of issue 4: meetd's estimator and pion's GCC
// (gcc.SendSideBWE) each drive a sender over the same simulated bottleneck
// (bwe_sim_test.go), with the same random draws, on virtual time.

const (
	abDipAt  = 10 * time.Second
	abLiftAt = 30 * time.Second
)

func constant(bps float64) func(time.Duration) float64 {
	return func(time.Duration) float64 { return bps }
}

// dipCapacity is TestDownlinkLimit's shape: 2.5 Mbit/s, 500 kbit/s from
// abDipAt, 2.5 Mbit/s again from abLiftAt.
func dipCapacity(t time.Duration) float64 {
	if t >= abDipAt && t < abLiftAt {
		return 500_000
	}
	return 2_500_000
}

func abScenarios() []simScenario {
	return []simScenario{
		{name: "steady 2M", duration: 30 * time.Second, capacity: constant(2_000_000), buffer: 1000},
		{name: "dip 2.5M/500k/2.5M", duration: 60 * time.Second, capacity: dipCapacity, buffer: 1000, dip: true},
		{name: "5% loss 2M", duration: 30 * time.Second, capacity: constant(2_000_000), loss: 0.05, buffer: 1000},
		{name: "jitter 2M", duration: 30 * time.Second, capacity: constant(2_000_000), jitter: 10 * time.Millisecond, stalls: true, buffer: 1000},
	}
}

// abResult is one estimator's figures in one scenario.
type abResult struct {
	fall, recover time.Duration // -1: never (or not applicable)
	util          float64       // steady window
	q95, qDip     time.Duration // steady window; while the link is limited
	floor         float64
}

func (r abResult) String() string {
	d := func(x time.Duration) string {
		if x < 0 {
			return "—"
		}
		return fmt.Sprintf("%.1f s", x.Seconds())
	}
	return fmt.Sprintf("fall %-6s recover %-6s util %3.0f%%  queue p95 %4d ms (limited %4d ms)  at floor %3.0f%%",
		d(r.fall), d(r.recover), 100*r.util, r.q95.Milliseconds(), r.qDip.Milliseconds(), 100*r.floor)
}

// measure runs one estimator through sc and takes its figures.
func measure(t *testing.T, sc simScenario, mk func() simBWE) abResult {
	var run *simRun
	synctest.Test(t, func(t *testing.T) { run = simulate(sc, mk(), synctest.Wait) })
	r := abResult{fall: -1, recover: -1, floor: run.atFloor()}
	from, to := sc.duration/3, sc.duration
	if sc.dip {
		r.fall = run.firstAfter(abDipAt, func(p simPoint) bool { return p.target < p.capacity })
		r.recover = run.firstAfter(abLiftAt, func(p simPoint) bool { return p.target >= 0.8*p.capacity })
		from, to = abLiftAt+15*time.Second, sc.duration
		r.qDip = run.queueP95(abDipAt+5*time.Second, abLiftAt)
	}
	r.util = run.utilisation(from, to, sc.capacity)
	r.q95 = run.queueP95(from, to)
	return r
}

func TestBWEAgainstPionGCC(t *testing.T) {
	for _, sc := range abScenarios() {
		t.Run(sc.name, func(t *testing.T) {
			ours := measure(t, sc, func() simBWE { return &ourBWE{} })
			pion := measure(t, sc, func() simBWE { return newPionBWE() })
			t.Logf("meetd: %v", ours)
			t.Logf("pion:  %v", pion)
			checkAB(t, sc, ours, pion)
		})
	}
}

// checkAB asserts what meetd's estimator must do: never sit at its floor;
// on a steady link use at least 85 % of it and no less than pion's GCC
// (5 points of slack: GCC's goroutines make its runs vary a little) with
// a bounded queue; after the dip fall below the limit within 3 s and climb
// back to 80 % of the lifted capacity within 12 s and no later than GCC
// plus 2 s.
func checkAB(t *testing.T, sc simScenario, ours, pion abResult) {
	t.Helper()
	if ours.floor > 0.02 {
		t.Errorf("estimate at its floor %.0f%% of the time", 100*ours.floor)
	}
	if ours.util < 0.85 || ours.util < pion.util-0.05 {
		t.Errorf("utilisation %.2f, pion's GCC %.2f", ours.util, pion.util)
	}
	if ours.q95 > 150*time.Millisecond {
		t.Errorf("queueing delay p95 %v", ours.q95)
	}
	if !sc.dip {
		return
	}
	if ours.fall < 0 || ours.fall > 3*time.Second {
		t.Errorf("fell below the limit after %v", ours.fall)
	}
	if ours.recover < 0 || ours.recover > 12*time.Second || pion.recover >= 0 && ours.recover > pion.recover+2*time.Second {
		t.Errorf("recovered after %v, pion's GCC after %v", ours.recover, pion.recover)
	}
}
