package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"meetd/internal/bench"
)

// bridges runs the two-bridge benchmark: meetd (XMPP + focus, built-in
// bridge off) on CPU 0; one `meetd bridge` on CPU 1 against two, on CPUs 1
// and 0 (CPU 0 is shared with the load tool); writes bridges.md.
func bridges(ctx context.Context, o options, args []string, progress func(string)) error {
	var rooms []int
	for _, f := range strings.Split(o.bridges, ",") {
		k, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || k <= 0 {
			return fmt.Errorf("-bridges: %q is not a room count", f)
		}
		rooms = append(rooms, k)
	}
	plan := &bench.BridgesPlan{
		One:   &bench.BridgesSystem{Bin: o.meetd, Label: "1-bridge", CPUs: []string{"1"}, Focus: "0", Nice: o.nice},
		Two:   &bench.BridgesSystem{Bin: o.meetd, Label: "2-bridges", CPUs: []string{"1", "0"}, Focus: "0", Nice: o.nice},
		Rooms: rooms, Rounds: o.rounds, Timing: o.tm, Progress: progress,
	}
	if o.relay {
		plan.RelayRoom = o.relayRoom
		plan.Relay = &bench.BridgesSystem{Bin: o.meetd, Label: "2-relayed", CPUs: []string{"1", "0"}, Focus: "0", Nice: o.nice, RelayCA: true}
	}
	start := time.Now()
	var la loadSampler
	lctx, stopLoad := context.WithCancel(ctx)
	go la.run(lctx, 15*time.Second)
	scale, relay, err := plan.Run(ctx)
	stopLoad()
	if werr := os.MkdirAll(o.out, 0o755); werr != nil {
		return werr
	}
	f, ferr := os.Create(filepath.Join(o.out, "bridges.md"))
	if ferr != nil {
		return ferr
	}
	defer f.Close()
	fmt.Fprintf(f, "# meetd two-bridge benchmark\n\n%s UTC, %s, %d rounds, warm-up %v, window %v; run took %v.\n\n",
		start.UTC().Format("2006-01-02 15:04"), machine(), o.rounds, o.tm.Warmup, o.tm.Window, time.Since(start).Round(time.Second))
	fmt.Fprintf(f, "Machine load during the run (shared with other work): %s.\n\n", la.summary())
	fmt.Fprintf(f, "Command: `internal/bench/run.sh %s`. meetd (XMPP + focus, `[bridges] builtin = false`) on CPU 0; "+
		"`meetd bridge` processes with GOMAXPROCS=1: one on CPU 1, or two on CPUs 1 and 0; the load tool on CPU 0. "+
		"Rooms of 10 publishers (one 150 kbit/s VP8 layer + audio, everyone receives everyone); each bridge has its own region and "+
		"each room's endpoints announce one region, so the focus puts half the rooms on each bridge. Only the bridges' CPU is counted "+
		"(utime+stime of the bridge processes). µs/pkt = bridge CPU ÷ forwarded media packets received by the emulated endpoints; "+
		"pps/core = 10⁶ ÷ µs/pkt.\n\n", strings.Join(args, " "))
	fmt.Fprintf(f, "## One bridge on one core against two on two\n\n")
	bench.WriteBridges(f, scale)
	if len(relay) > 0 {
		fmt.Fprintf(f, "\n## The relay's extra CPU\n\nOne room of %d publishers (everyone receives everyone) on one bridge, "+
			"against the same room with its endpoints alternating between the two bridges' regions: the focus splits it and links "+
			"the bridges with a Colibri2 relay. Both runs forward the same packets to the endpoints; the relayed run adds each input "+
			"packet crossing the relay once.\n\n", o.relayRoom)
		bench.WriteRelay(f, relay)
	}
	return err
}
