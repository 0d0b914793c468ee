// Command meetd-bench runs the side-by-side benchmark of docs/performance.md#how-the-benchmark-measures:
// meetd, Janus (when installed) and the minimal forwarder under the same
// synthetic load, interleaved round by round, and writes a Markdown report
// and an SVG plot. `make bench` builds and runs it.
//
// Usage:
//
//	meetd-bench -meetd bin/meetd -minfwd bin/meetd-minfwd -out internal/bench/results
//	meetd-bench -soak 10m ...   (the soak scenario instead of the benchmark)
//	meetd-bench -bridges 4,8 -relay ...   (one external bridge against two, and the relay; docs/performance.md#two-bridges)
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"meetd/internal/bench"
)

func main() {
	if err := run(os.Args[1:]); err != nil {
		fmt.Fprintln(os.Stderr, "meetd-bench:", err)
		os.Exit(1)
	}
}

type options struct {
	meetd, minfwd, out string
	galene             string
	janus              bool
	rounds             int
	quick              bool
	only               string
	noExtras           bool
	extras             string
	ramp               string
	perf               string
	soak               time.Duration
	bridges            string
	relay              bool
	relayRoom          int
	nice               int
	tm                 bench.Timing
}

func run(args []string) error {
	var o options
	fs := flag.NewFlagSet("meetd-bench", flag.ContinueOnError)
	fs.StringVar(&o.meetd, "meetd", "bin/meetd", "meetd binary")
	fs.StringVar(&o.minfwd, "minfwd", "bin/meetd-minfwd", "minimal forwarder binary")
	fs.StringVar(&o.out, "out", "internal/bench/results", "report directory")
	fs.StringVar(&o.galene, "galene", os.Getenv(bench.GaleneEnv), "Galène binary, built outside this module (docs/performance.md#galène); empty leaves Galène out (default $"+bench.GaleneEnv+")")
	fs.BoolVar(&o.janus, "janus", true, "include Janus (needs the janus package and root for its network namespace)")
	fs.IntVar(&o.rounds, "rounds", 3, "rounds (systems interleaved in every round)")
	fs.BoolVar(&o.quick, "quick", false, "a few small scenarios only (smoke test of the benchmark itself)")
	fs.StringVar(&o.only, "scenarios", "", "comma-separated scenario ids to run (default all)")
	fs.BoolVar(&o.noExtras, "no-extras", false, "skip the one-core ramp and the memory runs")
	fs.StringVar(&o.extras, "extras", "ceiling,memory", "extra runs after the scenarios: ceiling (one-core ramp), memory (memory per endpoint); -scenarios none -extras memory runs only the memory runs")
	fs.StringVar(&o.ramp, "ramp", "meetd,galene", "systems of the one-core ramp (Janus's adapter has one room only, so it cannot be ramped)")
	fs.StringVar(&o.perf, "perf", "", "comma-separated system/scenario pairs to profile with perf record -e cpu-clock during their windows, e.g. meetd/S2,galene/S2 (profiles in -out)")
	fs.DurationVar(&o.soak, "soak", 0, "run the soak scenario for this long instead")
	fs.StringVar(&o.bridges, "bridges", "", "run the two-bridge benchmark instead, with these comma-separated rooms per bridge, e.g. 4,8 (docs/performance.md#two-bridges; writes bridges.md)")
	fs.BoolVar(&o.relay, "relay", false, "with -bridges: also one room on one bridge against the same room spanning two (Colibri2 relay)")
	fs.IntVar(&o.relayRoom, "relay-room", 20, "with -relay: the endpoints of that room")
	fs.IntVar(&o.nice, "nice", -10, "nice increment of the servers (shields the measurement from other load; needs root; internal/bench/run.sh renices this process)")
	fs.DurationVar(&o.tm.Warmup, "warmup", 4*time.Second, "warm-up before each window")
	fs.DurationVar(&o.tm.Window, "window", 12*time.Second, "measurement window")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	progress := func(s string) { fmt.Printf("%s %s\n", time.Now().UTC().Format("15:04:05"), s) }
	if o.soak > 0 {
		return soak(ctx, o, progress)
	}
	if o.bridges != "" {
		return bridges(ctx, o, args, progress)
	}
	return benchmark(ctx, o, args, progress)
}

func benchmark(ctx context.Context, o options, args []string, progress func(string)) error {
	plan := &bench.Plan{
		Systems:  []bench.System{&bench.MeetdSystem{Bin: o.meetd, CPUs: "1", One: "1", Nice: o.nice}},
		Baseline: &bench.Baseline{Bin: o.minfwd, CPUs: "1", Nice: o.nice},
		Rounds:   o.rounds, Timing: o.tm, Progress: progress,
		BaseTime: bench.Timing{Warmup: time.Second, Window: 5 * time.Second},
	}
	if g, err := bench.NewGalene(o.galene, "1", o.nice); err == nil {
		plan.Systems = append(plan.Systems, g)
	} else {
		progress("galene left out: " + err.Error())
	}
	if o.janus {
		if j, err := bench.NewJanus("1", o.nice); err == nil {
			plan.Systems = append(plan.Systems, j)
		} else {
			progress("janus left out: " + err.Error())
		}
	}
	plan.Scenarios = []bench.Scenario{bench.S1(5), bench.S1(10), bench.S1(15), bench.S1(20), bench.S2(), bench.S2VP9(), bench.S2AV1(), bench.S3(50), bench.S3(100),
		bench.S3(500), bench.S6()}
	// The ramp goes on until a step fails (about 29k fwd pps per 4 rooms).
	for _, rooms := range []int{4, 8, 12, 16, 20, 24, 28, 32, 40, 48} {
		plan.Ceiling = append(plan.Ceiling, bench.Ceiling(rooms))
	}
	for _, sys := range plan.Systems {
		if contains(strings.Split(o.ramp, ","), sys.Name()) {
			plan.RampSystems = append(plan.RampSystems, sys)
		}
	}
	plan.Memory = [2]bench.Scenario{bench.Memory(10), bench.Memory(60)}
	if o.perf != "" {
		if err := perfUsable(); err != nil {
			return err
		}
		if err := os.MkdirAll(o.out, 0o755); err != nil {
			return err
		}
		plan.Hook = perfHook(o.out, strings.Split(o.perf, ","), progress)
	}
	if o.quick {
		plan.Scenarios = []bench.Scenario{bench.S1(5), bench.S2()}
		plan.Ceiling = []bench.Scenario{bench.Ceiling(2)}
	}
	if o.only != "" {
		var keep []bench.Scenario
		for _, sc := range plan.Scenarios {
			if contains(strings.Split(o.only, ","), sc.ID) {
				keep = append(keep, sc)
			}
		}
		plan.Scenarios = keep
	}
	extras := strings.Split(o.extras, ",")
	if o.noExtras || !contains(extras, "ceiling") {
		plan.Ceiling = nil
	}
	if o.noExtras || !contains(extras, "memory") {
		plan.Memory = [2]bench.Scenario{}
	}
	start := time.Now()
	var la loadSampler
	lctx, stopLoad := context.WithCancel(ctx)
	go la.run(lctx, 15*time.Second)
	rep, err := plan.Run(ctx)
	stopLoad()
	if rep == nil {
		return err
	}
	if werr := write(o, args, rep, start, la.summary()); werr != nil {
		return werr
	}
	return err
}

func write(o options, args []string, rep *bench.Report, start time.Time, load string) error {
	if err := os.MkdirAll(o.out, 0o755); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(o.out, "report.md"))
	if err != nil {
		return err
	}
	defer f.Close()
	fmt.Fprintf(f, "# meetd benchmark\n\n%s UTC, %s, %d rounds, warm-up %v, window %v; run took %v.\n\n",
		start.UTC().Format("2006-01-02 15:04"), machine(), rep.Rounds, rep.Timing.Warmup, rep.Timing.Window,
		time.Since(start).Round(time.Second))
	fmt.Fprintf(f, "Machine load during the run (shared with other work; why everything is a ratio measured in the same round): %s.\n\n", load)
	fmt.Fprintf(f, "Command: `make bench` (= `internal/bench/run.sh %s`: a private network namespace, `chrt -r 10 taskset -c 0 bin/meetd-bench`). Servers on CPU 1, load tool on CPU 0. "+
		"CPU per forwarded packet = server utime+stime ÷ RTP media packets (not RTX) received by all emulated receivers in the window. "+
		"Medians with min–max over rounds. R = server µs/pkt ÷ minimal forwarder µs/pkt at the same input rate, fan-out and packet size, same round.\n\n",
		strings.Join(args, " "))
	fmt.Fprintf(f, "## Targets (issue 15)\n\n")
	rep.WriteTargets(f, "meetd", "galene", "janus")
	fmt.Fprintf(f, "\n## Ratios, same round\n\nCPU per forwarded packet of meetd ÷ the peer's, median (min–max) over rounds; and the peer's forwarded packets ÷ meetd's "+
		"(the same load delivers the same media: a ratio under 0.9 marks the CPU ratio not comparable).\n\n")
	rep.WriteRatios(f, "meetd", "galene", "janus")
	fmt.Fprintf(f, "\n## Results\n\n![CPU per forwarded packet](cpu-per-packet.svg)\n\n")
	rep.WriteMarkdown(f)
	fmt.Fprintf(f, "\n## Scenarios\n\n")
	for _, id := range sortedIDs(rep) {
		fmt.Fprintf(f, "- %s: %s\n", id, rep.Scenario[id].Name)
	}
	g, err := os.Create(filepath.Join(o.out, "cpu-per-packet.svg"))
	if err != nil {
		return err
	}
	defer g.Close()
	rep.WriteSVG(g)
	return nil
}

func sortedIDs(rep *bench.Report) []string {
	var ids []string
	for _, r := range rep.Results {
		if _, ok := rep.Scenario[r.Scenario]; ok && !contains(ids, r.Scenario) {
			ids = append(ids, r.Scenario)
		}
	}
	return ids
}

func contains(s []string, v string) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// machine describes the CPU, core count, kernel and Go version.
func machine() string {
	model, n := "unknown CPU", 0
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		for _, l := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(l, "model name"); ok {
				model = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(v), ":"))
				n++
			}
		}
	}
	kernel, _ := os.ReadFile("/proc/sys/kernel/osrelease")
	return fmt.Sprintf("%d × %s, Linux %s, %s", n, model, strings.TrimSpace(string(kernel)), runtime.Version())
}

// soak runs meetd for o.soak with rooms of 10 simulcast publishers joining
// and leaving every cycle, and writes internal/bench/results/soak.md.
func soak(ctx context.Context, o options, progress func(string)) error {
	sys := &bench.MeetdSystem{Bin: o.meetd, CPUs: "1", One: "1", Nice: o.nice}
	srv, err := sys.Start(ctx, bench.Scenario{})
	if err != nil {
		return err
	}
	defer srv.Proc.Stop()
	sc := bench.S2()
	sc.Load.Endpoints, sc.Load.Senders = 10, 10
	start := time.Now()
	ss, err := bench.Soak(ctx, srv, sc.Load, o.soak, 20*time.Second, progress)
	if werr := os.MkdirAll(o.out, 0o755); werr != nil {
		return werr
	}
	f, ferr := os.Create(filepath.Join(o.out, "soak.md"))
	if ferr != nil {
		return ferr
	}
	defer f.Close()
	fmt.Fprintf(f, "# meetd soak\n\n%s UTC, %s, %v: one meetd process; every cycle 10 simulcast publishers join a new room, "+
		"hold 20 s and leave; RSS and OS threads sampled after each cycle. Command: `make soak`.\n\n",
		start.UTC().Format("2006-01-02 15:04"), machine(), o.soak)
	ok := bench.WriteSoak(f, ss)
	if err == nil && !ok {
		err = fmt.Errorf("soak: drift or failed joins")
	}
	return err
}
