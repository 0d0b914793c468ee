package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// BridgesPlan is the two-bridge benchmark of docs/performance.md#two-bridges:
// round by round, Rooms rooms on one bridge against 2×Rooms rooms on two
// bridges (each room on one bridge); and with Relay (two bridges with
// RelayCA) one room of RelayRoom endpoints on one bridge against the same
// room spanning the two bridges.
type BridgesPlan struct {
	One, Two  *BridgesSystem
	Relay     *BridgesSystem // nil: no relayed runs
	Rooms     []int          // rooms per bridge
	RelayRoom int
	Rounds    int
	Timing    Timing
	Progress  func(string)
}

// BridgesRow is one round of one load: one bridge against two (Two), or
// one room on one bridge against the room relayed over two (Relay).
type BridgesRow struct {
	Rooms           int // rooms per bridge, or the relayed room's endpoints
	Round           int
	One, Two, Relay *Result
}

// Run executes the plan; a failed measurement leaves its cell empty. It
// returns the one-against-two rows and the relay rows.
func (p *BridgesPlan) Run(ctx context.Context) (scale, relay []BridgesRow, err error) {
	for round := 1; round <= p.Rounds; round++ {
		for _, k := range p.Rooms {
			row := BridgesRow{Rooms: k, Round: round}
			row.One = p.measure(ctx, p.One, Bridges(k), round)
			row.Two = p.measure(ctx, p.Two, Bridges(2*k), round)
			scale = append(scale, row)
		}
		if p.Relay != nil && p.RelayRoom > 0 {
			row := BridgesRow{Rooms: p.RelayRoom, Round: round}
			row.One = p.measure(ctx, p.One, RelayRoom(p.RelayRoom, false), round)
			row.Relay = p.measure(ctx, p.Relay, RelayRoom(p.RelayRoom, true), round)
			relay = append(relay, row)
		}
		if ctx.Err() != nil {
			return scale, relay, ctx.Err()
		}
	}
	return scale, relay, nil
}

func (p *BridgesPlan) measure(ctx context.Context, sys *BridgesSystem, sc Scenario, round int) *Result {
	r, err := Measure(ctx, sys, sc, p.Timing, p.Progress)
	if err != nil {
		p.Progress(fmt.Sprintf("%s %s round %d failed: %v", sys.Name(), sc.ID, round, err))
		return nil
	}
	r.Round = round
	p.Progress(r.line() + fmt.Sprintf(" per bridge %v", r.EachCores))
	return &r
}

// WriteBridges writes the table of one bridge against two: per load and
// round, forwarded pps, bridge cores, µs per packet and pps per bridge
// core, and the ratios of two bridges to one.
func WriteBridges(w io.Writer, rows []BridgesRow) {
	fmt.Fprintf(w, "| rooms/bridge | round | 1 bridge: fwd pps, cores, µs/pkt, pps/core | 2 bridges: fwd pps, cores (each), µs/pkt, pps/core | packets 2÷1 | µs/pkt 2÷1 |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|\n")
	var pk, us []float64
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s |\n", r.Rooms, r.Round, cell(r.One), cell(r.Two),
			ratio(r.Two, r.One, func(x *Result) float64 { return x.FwdPPS }),
			ratio(r.Two, r.One, func(x *Result) float64 { return x.USPerPkt }))
		if r.One != nil && r.Two != nil && r.One.FwdPPS > 0 && r.One.USPerPkt > 0 {
			pk = append(pk, r.Two.FwdPPS/r.One.FwdPPS)
			us = append(us, r.Two.USPerPkt/r.One.USPerPkt)
		}
	}
	if len(pk) > 0 {
		fmt.Fprintf(w, "\nMedian over rows: two bridges carry %.2f× one bridge's packets at %.2f× its CPU per packet.\n", median(pk), median(us))
	}
}

// WriteRelay writes the relay table: one room on one bridge against the
// same room spanning two, and the relay's extra CPU per relayed packet:
// (relayed run's bridge CPU − one bridge's, per second) ÷ relayed packets
// per second, a relayed packet being one input packet crossing the relay
// once (forwarded ÷ (n−1)).
func WriteRelay(w io.Writer, rows []BridgesRow) {
	fmt.Fprintf(w, "| endpoints | round | 1 bridge: fwd pps, cores, µs/pkt, pps/core | relayed over 2: fwd pps, cores (each), µs/pkt, pps/core | packets R÷1 | relayed pps | extra µs per relayed pkt |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|\n")
	var ex []float64
	for _, r := range rows {
		relayed, extra := "–", "–"
		if e, rp, ok := relayExtra(r); ok {
			relayed, extra = fmt.Sprintf("%.0f", rp), fmt.Sprintf("%.1f", e)
			ex = append(ex, e)
		}
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s | %s |\n", r.Rooms, r.Round, cell(r.One), cell(r.Relay),
			ratio(r.Relay, r.One, func(x *Result) float64 { return x.FwdPPS }), relayed, extra)
	}
	if len(ex) > 0 {
		fmt.Fprintf(w, "\nMedian over rounds: %.1f µs of bridge CPU per relayed packet (sent by one bridge and received by the other).\n", median(ex))
	}
}

// relayExtra is the extra µs per relayed packet of a relay row and the
// relayed packets per second.
func relayExtra(r BridgesRow) (extra, relayed float64, ok bool) {
	if r.One == nil || r.Relay == nil || r.Relay.FwdPPS <= 0 || r.Rooms < 2 {
		return 0, 0, false
	}
	relayed = r.Relay.FwdPPS / float64(r.Rooms-1)
	extra = (r.Relay.Cores - r.One.Cores) * 1e6 / relayed
	return extra, relayed, true
}

func cell(r *Result) string {
	if r == nil {
		return "failed"
	}
	s := fmt.Sprintf("%.0f, %.2f", r.FwdPPS, r.Cores)
	if len(r.EachCores) > 0 {
		s += " ("
		for i, c := range r.EachCores {
			if i > 0 {
				s += " + "
			}
			s += fmt.Sprintf("%.2f", c)
		}
		s += ")"
	}
	s += fmt.Sprintf(", %.2f, %.0f", r.USPerPkt, r.PPSPerCore())
	if r.Loss >= 0.001 || r.Failed > 0 {
		s += fmt.Sprintf(" (loss %.2f%%, failed %d)", 100*r.Loss, r.Failed)
	}
	return s
}

func ratio(a, b *Result, f func(*Result) float64) string {
	if a == nil || b == nil || f(b) == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", f(a)/f(b))
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
