package bench

import (
	"context"
	"fmt"
	"math"
	"meetd/internal/meetdtest"
	"net/netip"
	"strings"
)

// Baseline runs the minimal forwarder (cmd/meetd-minfwd) at the input
// rate, fan-out and packet size of a measured SFU run.
type Baseline struct {
	Bin  string
	CPUs string
	Nice int
}

// Measure feeds the forwarder inPPS packets/s of payload bytes and sends
// each to fanout sinks; it returns the forwarder's CPU per forwarded packet.
func (b *Baseline) Measure(ctx context.Context, inPPS float64, fanout, payload int, tm Timing) (Result, error) {
	res := Result{System: "minimal forwarder"}
	fanout = max(1, fanout)
	sinks, err := OpenSinks("127.0.0.1", fanout)
	if err != nil {
		return res, err
	}
	defer sinks.Close()
	addrs := make([]string, len(sinks.Addrs))
	for i, a := range sinks.Addrs {
		addrs[i] = a.String()
	}
	ready := make(chan string, 1)
	onLine := func(l string) {
		if a, ok := strings.CutPrefix(l, "listening "); ok {
			select {
			case ready <- a:
			default:
			}
		}
	}
	p, err := StartProcess(ProcOpts{CPUs: b.CPUs, Nice: b.Nice, OnLine: onLine}, b.Bin, "-sinks", strings.Join(addrs, ","))
	if err != nil {
		return res, err
	}
	defer p.Stop()
	var to netip.AddrPort
	select {
	case a := <-ready:
		if to, err = netip.ParseAddrPort(a); err != nil {
			return res, err
		}
	case <-ctx.Done():
		return res, ctx.Err()
	}
	return b.drive(ctx, p, to, inPPS, payload, tm)
}

func (b *Baseline) drive(ctx context.Context, p *meetdtest.Process, to netip.AddrPort, inPPS float64, payload int, tm Timing) (Result, error) {
	res := Result{System: "minimal forwarder"}
	g, err := NewGenerator(to, max(16, payload-12-16))
	if err != nil {
		return res, err
	}
	defer g.Close()
	gctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go g.Run(gctx, inPPS)
	if err := sleep(ctx, tm.Warmup); err != nil {
		return res, err
	}
	a, errA := SampleProc(p.PID())
	na, errB := g.Count()
	if err := sleep(ctx, tm.Window); err != nil {
		return res, err
	}
	z, errC := SampleProc(p.PID())
	nz, errD := g.Count()
	if e := firstErr(errA, errB, errC, errD); e != nil {
		return res, fmt.Errorf("bench: baseline: %w", e)
	}
	secs := z.At.Sub(a.At).Seconds()
	res.CPU = z.CPU - a.CPU
	res.Cores = res.CPU.Seconds() / secs
	res.FwdPPS = float64(nz-na) / secs
	if nz > na {
		res.USPerPkt = float64(res.CPU.Microseconds()) / float64(nz-na)
	}
	res.Payload = payload
	if math.IsNaN(res.USPerPkt) {
		res.USPerPkt = 0
	}
	return res, nil
}

func firstErr(errs ...error) error {
	for _, e := range errs {
		if e != nil {
			return e
		}
	}
	return nil
}
