// Command meetd-load emulates Jitsi Meet endpoints against a meetd server:
// real signalling, pion ICE/DTLS/SRTP, synthetic VP8 simulcast and Opus,
// and per-second progress with received packets, loss and added latency.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"time"

	"meetd/internal/load"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "meetd-load:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("meetd-load", flag.ContinueOnError)
	var cfg load.Config
	fs.StringVar(&cfg.URL, "url", "https://127.0.0.1:8443", "meetd https base URL")
	fs.StringVar(&cfg.Domain, "domain", "localhost", "XMPP domain")
	fs.StringVar(&cfg.Room, "room", "load", "room name")
	fs.IntVar(&cfg.Endpoints, "endpoints", 4, "emulated participants")
	fs.IntVar(&cfg.Senders, "senders", -1, "participants that publish audio+video (-1 = all)")
	fs.IntVar(&cfg.Probes, "probes", 1, "receivers in probe mode (decrypt, latency); the rest count only")
	fs.BoolVar(&cfg.Simulcast, "simulcast", true, "send three VP8 layers")
	fs.DurationVar(&cfg.KeyframeInterval, "keyframe-interval", 3*time.Second, "periodic keyframes (0 = only on PLI/FIR)")
	fs.DurationVar(&cfg.JoinInterval, "join-interval", 50*time.Millisecond, "pause between two joins")
	fs.StringVar(&cfg.ICENet, "ice-net", "", "CIDR for local ICE candidates (default loopback)")
	fs.Uint64Var(&cfg.Seed, "seed", 1, "media seed")
	dur := fs.Duration("duration", 10*time.Second, "how long media runs after all joins")
	verbose := fs.Bool("v", false, "log join failures")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if cfg.Senders < 0 {
		cfg.Senders = cfg.Endpoints
	}
	if *verbose {
		cfg.Log = slog.New(slog.NewTextHandler(os.Stderr, nil))
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return drive(ctx, cfg, *dur, out)
}

// drive starts the load, prints progress every second and a summary.
func drive(ctx context.Context, cfg load.Config, dur time.Duration, out io.Writer) error {
	l, err := load.Start(ctx, cfg)
	if err != nil {
		return err
	}
	defer l.Close()
	start := time.Now()
	failed := l.Wait(ctx)
	fmt.Fprintf(out, "joined %d/%d in %v (srtp %s), %d failed\n", l.Connected(), cfg.Endpoints,
		time.Since(start).Round(time.Millisecond), l.Profile(), len(failed))
	first := l.Snapshot()
	prev := first
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	end := time.After(dur)
	for {
		select {
		case <-ctx.Done():
			return summary(out, l, first, failed)
		case <-end:
			return summary(out, l, first, failed)
		case <-tick.C:
			cur := l.Snapshot()
			w := load.Diff(prev, cur)
			fmt.Fprintf(out, "%5.1fs sent %6.0f pps  recv %7.0f pps  loss %.3f%%  latency p50 %v p99 %v\n",
				time.Since(start).Seconds(), float64(w.SentPackets)/w.Duration.Seconds(), w.ReceivedPPS(),
				100*w.LossRatio(), w.LatencyP50, w.LatencyP99)
			prev = cur
		}
	}
}

func summary(out io.Writer, l *load.Load, first *load.Totals, failed []error) error {
	w := load.Diff(first, l.Snapshot())
	j := l.JoinStats()
	fmt.Fprintf(out, "total: received %d packets (%.0f pps), lost %d of %d (%.3f%%), rtx %d, latency p50 %v p99 %v p99.9 %v\n",
		w.ReceivedPackets, w.ReceivedPPS(), w.Lost, w.Expected, 100*w.LossRatio(), w.RTXReceived,
		w.LatencyP50, w.LatencyP99, w.LatencyP999)
	fmt.Fprintf(out, "join p50: %s\n", j.Median())
	for _, err := range failed {
		fmt.Fprintln(out, "failed:", err)
	}
	if len(failed) > 0 {
		return fmt.Errorf("%d joins failed", len(failed))
	}
	return nil
}
