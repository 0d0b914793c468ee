package bench

import (
	"context"
	"fmt"
	"io"
	"slices"
)

// BridgesPlan is the two-bridge benchmark of docs/performance.md#two-bridges:
// round by round, Rooms rooms on one bridge, 2×Rooms rooms on two bridges
// (each room on one bridge), and with Relay 2×Rooms rooms each spanning the
// two bridges.
type BridgesPlan struct {
	One, Two *BridgesSystem
	Rooms    []int // rooms per bridge
	Relay    bool
	Rounds   int
	Timing   Timing
	Progress func(string)
}

// BridgesRow is one round of one load: the three measurements.
type BridgesRow struct {
	Rooms           int
	Round           int
	One, Two, Relay *Result
}

// Run executes the plan; a failed measurement leaves its cell empty.
func (p *BridgesPlan) Run(ctx context.Context) ([]BridgesRow, error) {
	var rows []BridgesRow
	for round := 1; round <= p.Rounds; round++ {
		for _, k := range p.Rooms {
			row := BridgesRow{Rooms: k, Round: round}
			row.One = p.measure(ctx, p.One, Bridges(k, false), round)
			row.Two = p.measure(ctx, p.Two, Bridges(2*k, false), round)
			if p.Relay {
				row.Relay = p.measure(ctx, p.Two, Bridges(2*k, true), round)
			}
			if ctx.Err() != nil {
				return rows, ctx.Err()
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
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

// WriteBridges writes the table of the two-bridge benchmark: per load and
// round, forwarded pps, bridge cores, µs per packet and pps per bridge core
// of one and two bridges, the ratios, and the relay's extra CPU per relayed
// packet (relayed packets = forwarded ÷ 9: each room's input crosses once).
func WriteBridges(w io.Writer, rows []BridgesRow) {
	fmt.Fprintf(w, "| rooms/bridge | round | 1 bridge: fwd pps, cores, µs/pkt, pps/core | 2 bridges: fwd pps, cores (each), µs/pkt, pps/core | packets 2÷1 | µs/pkt 2÷1 | relayed: fwd pps, cores (each), µs/pkt | extra µs per relayed pkt |\n")
	fmt.Fprintf(w, "|---|---|---|---|---|---|---|---|\n")
	for _, r := range rows {
		fmt.Fprintf(w, "| %d | %d | %s | %s | %s | %s | %s | %s |\n", r.Rooms, r.Round, cell(r.One), cell(r.Two),
			ratio(r.Two, r.One, func(x *Result) float64 { return x.FwdPPS }),
			ratio(r.Two, r.One, func(x *Result) float64 { return x.USPerPkt }), cell(r.Relay), extraPerRelayed(r.Two, r.Relay))
	}
	var pk, us []float64
	for _, r := range rows {
		if r.One != nil && r.Two != nil && r.One.FwdPPS > 0 && r.One.USPerPkt > 0 {
			pk = append(pk, r.Two.FwdPPS/r.One.FwdPPS)
			us = append(us, r.Two.USPerPkt/r.One.USPerPkt)
		}
	}
	if len(pk) > 0 {
		fmt.Fprintf(w, "\nMedian over rows: two bridges carry %.2f× one bridge's packets at %.2f× its CPU per packet.\n", median(pk), median(us))
	}
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

// extraPerRelayed is the relay run's bridge CPU minus the same rooms' CPU
// on their own bridges (scaled to the relay run's forwarded packets),
// divided by the relayed packets (forwarded ÷ 9).
func extraPerRelayed(plain, relay *Result) string {
	if plain == nil || relay == nil || relay.FwdPPS <= 0 {
		return "–"
	}
	relayed := relay.FwdPPS / 9
	extra := (relay.USPerPkt - plain.USPerPkt) * relay.FwdPPS / relayed
	return fmt.Sprintf("%.1f", extra)
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
