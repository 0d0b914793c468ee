package bench

import (
	"context"
	"fmt"
	"os"
	"time"

	"meetd/internal/load"
)

// System is an SFU the benchmark can start fresh for every measurement.
type System interface {
	Name() string
	Start(ctx context.Context, sc Scenario) (*Server, error)
	// Adapt fills in the load configuration for this system's signalling.
	Adapt(cfg *load.Config, srv *Server)
}

// Result is one measurement of one system in one scenario.
type Result struct {
	System, Scenario string
	Round            int
	FwdPPS           float64       // forwarded media packets/s received by all receivers (RTX and probing padding not counted)
	RTXPPS           float64       // RTX packets/s received (retransmissions and bandwidth-probe padding)
	CPU              time.Duration // server CPU in the window
	USPerPkt         float64       // server CPU µs per forwarded packet
	Cores            float64       // server cores used
	LatP50, LatP99   time.Duration // added latency (probe receivers)
	Loss             float64
	RSS              int64
	Joins            load.JoinStats
	Failed           int
	ToolCores        float64
	ForeignCores     float64
	Profile          string
	Payload          int   // mean forwarded datagram size
	UDPDrops         int64 // kernel UDP receive drops in the server's namespace during the window
	Note             string
	EachCores        []float64 // cores of each media process when the server has several (external bridges)
}

// PPSPerCore is forwarded packets/s per core of server CPU.
func (r Result) PPSPerCore() float64 {
	if r.USPerPkt <= 0 {
		return 0
	}
	return 1e6 / r.USPerPkt
}

// Timing is the warm-up and window of a measurement.
type Timing struct {
	Warmup, Window time.Duration
}

// WindowHook runs alongside a measurement window (e.g. a profiler
// attached to the server process pid for the window's length).
type WindowHook func(ctx context.Context, system, scenario string, pid int, window time.Duration)

// Measure starts sys fresh, runs the scenario's load and measures one window.
func Measure(ctx context.Context, sys System, sc Scenario, tm Timing, progress func(string)) (Result, error) {
	return MeasureHook(ctx, sys, sc, tm, progress, nil)
}

// MeasureHook is Measure with hook (if not nil) run during the window.
func MeasureHook(ctx context.Context, sys System, sc Scenario, tm Timing, progress func(string), hook WindowHook) (Result, error) {
	res := Result{System: sys.Name(), Scenario: sc.ID}
	if sc.Warmup > 0 {
		tm.Warmup = sc.Warmup
	}
	if sc.Window > 0 {
		tm.Window = sc.Window
	}
	srv, err := sys.Start(ctx, sc)
	if err != nil {
		return res, err
	}
	defer srv.Stop()
	cfg := sc.Load
	cfg.Room = fmt.Sprintf("bench%d", time.Now().UnixNano()%1_000_000)
	sys.Adapt(&cfg, srv)
	l, err := load.Start(ctx, cfg)
	if err != nil {
		return res, err
	}
	defer l.Close()
	failed := l.Wait(ctx)
	res.Failed = len(failed)
	msg := fmt.Sprintf("%s %s: %d receiving legs connected for %d endpoints", sys.Name(), sc.ID, l.Connected(), cfg.Endpoints)
	if len(failed) > 0 {
		msg += fmt.Sprintf("; %d joins failed, first: %v", len(failed), failed[0])
	}
	progress(msg)
	if err := sleep(ctx, tm.Warmup); err != nil {
		return res, err
	}
	if hook != nil {
		go hook(ctx, sys.Name(), sc.ID, srv.Proc.PID(), tm.Window)
	}
	w, err := window(ctx, srv.measured(), l, tm.Window)
	if err != nil {
		return res, fmt.Errorf("%w\n%s", err, srv.Proc.Tail(40))
	}
	w.fill(&res)
	res.Joins = l.JoinStats()
	res.Profile = l.Profile()
	return res, nil
}

// sample is one point of a window.
type sample struct {
	proc   ProcSample      // the server's processes summed (At: the first's)
	each   []time.Duration // CPU of each measured process
	self   ProcSample
	system time.Duration
	drops  int64
	load   *load.Totals
}

func takeSample(pids []int, l *load.Load) (sample, error) {
	var s sample
	var err error
	for i, pid := range pids {
		p, err := SampleProc(pid)
		if err != nil {
			return s, err
		}
		if i == 0 {
			s.proc.At = p.At
		}
		s.proc.CPU += p.CPU
		s.proc.RSS += p.RSS
		s.each = append(s.each, p.CPU)
	}
	if s.self, err = SampleProc(os.Getpid()); err != nil {
		return s, err
	}
	if s.system, err = SystemCPU(); err != nil {
		return s, err
	}
	s.drops, _ = UDPDrops(pids[0])
	s.load = l.Snapshot()
	return s, nil
}

// windowResult is what happened between two samples.
type windowResult struct {
	a, b sample
	w    load.Window
}

func window(ctx context.Context, pids []int, l *load.Load, d time.Duration) (windowResult, error) {
	a, err := takeSample(pids, l)
	if err != nil {
		return windowResult{}, err
	}
	if err := sleep(ctx, d); err != nil {
		return windowResult{}, err
	}
	b, err := takeSample(pids, l)
	if err != nil {
		return windowResult{}, err
	}
	return windowResult{a: a, b: b, w: load.Diff(a.load, b.load)}, nil
}

func (wr windowResult) fill(res *Result) {
	secs := wr.b.proc.At.Sub(wr.a.proc.At).Seconds()
	res.CPU = wr.b.proc.CPU - wr.a.proc.CPU
	media := wr.w.MediaPackets()
	res.FwdPPS = float64(media) / wr.w.Duration.Seconds()
	res.RTXPPS = float64(wr.w.RTXReceived) / wr.w.Duration.Seconds()
	res.Cores = res.CPU.Seconds() / secs
	if media > 0 {
		res.USPerPkt = float64(res.CPU.Microseconds()) / float64(media)
		res.Payload = int(wr.w.ReceivedBytes / wr.w.ReceivedPackets)
	}
	res.LatP50, res.LatP99 = wr.w.LatencyP50, wr.w.LatencyP99
	res.Loss = wr.w.LossRatio()
	res.RSS = wr.b.proc.RSS
	res.UDPDrops = wr.b.drops - wr.a.drops
	if len(wr.a.each) > 1 {
		for i := range wr.a.each {
			res.EachCores = append(res.EachCores, (wr.b.each[i]-wr.a.each[i]).Seconds()/secs)
		}
	}
	tool := (wr.b.self.CPU - wr.a.self.CPU).Seconds() / secs
	res.ToolCores = tool
	res.ForeignCores = max(0, (wr.b.system-wr.a.system).Seconds()/secs-res.Cores-tool)
}

func sleep(ctx context.Context, d time.Duration) error {
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(d):
		return nil
	}
}
