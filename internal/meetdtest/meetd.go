package meetdtest

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"
)

// Meetd is a running meetd: its config and its process.
type Meetd struct {
	*Process
	Config Config
}

// URL is meetd's https base URL.
func (m *Meetd) URL() string { return m.Config.URL() }

// Start writes cfg (free ports for those left 0) and runs bin -config on it,
// waiting until /config.js answers or ctx ends.
func Start(ctx context.Context, bin string, cfg Config, o Options) (*Meetd, error) {
	if err := os.MkdirAll(cfg.Dir, 0o700); err != nil {
		return nil, err
	}
	if err := cfg.Write(); err != nil {
		return nil, err
	}
	p, err := StartCommand(o, bin, "-config", cfg.Path())
	if err != nil {
		return nil, err
	}
	m := &Meetd{Process: p, Config: cfg}
	if err := p.WaitHTTP(ctx, m.URL()+"/config.js"); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("meetd did not start serving: %w\nmeetd output:\n%s", err, p.Tail(100))
	}
	return m, nil
}

// Run starts meetd for a test: the binary from Binary, cfg.Dir defaulting
// to a fresh t.TempDir, ready within 90 s. At the end of the test it is
// stopped with SIGTERM and must exit with status 0 (unless it had already
// ended); its last output lines are logged when the test failed.
func Run(tb testing.TB, cfg Config, o Options) *Meetd {
	tb.Helper()
	bin := Binary(tb)
	if cfg.Dir == "" {
		cfg.Dir = tb.TempDir()
	}
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	m, err := Start(ctx, bin, cfg, o)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { m.StopChecked(tb) })
	return m
}

// StopChecked stops meetd (see Process.Stop) and fails the test when it
// was still running and did not exit with status 0; its output is logged
// when the test failed.
func (m *Meetd) StopChecked(tb testing.TB) {
	tb.Helper()
	select {
	case <-m.Exited():
		return // stopped before (by the test or by an earlier StopChecked)
	default:
	}
	start := time.Now()
	err := m.Stop()
	tb.Logf("meetd stopped %v after SIGTERM: %v", time.Since(start).Round(time.Millisecond), m.Cmd().ProcessState)
	if err != nil {
		tb.Errorf("meetd stop: %v", err)
	}
	if tb.Failed() {
		tb.Logf("meetd output (last lines):\n%s", m.Tail(100))
	}
}

// WaitLine waits until an output line (of the kept tail) contains every
// one of parts.
func (m *Meetd) WaitLine(ctx context.Context, parts ...string) (string, error) {
	return WaitLine(ctx, func() []string { return strings.Split(m.Tail(0), "\n") }, parts...)
}

// WaitLine polls lines until one contains every one of parts or ctx ends.
func WaitLine(ctx context.Context, lines func() []string, parts ...string) (string, error) {
	for {
		for _, line := range lines() {
			if containsAll(line, parts) {
				return line, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no meetd output line with %q: %w", parts, ctx.Err())
		case <-time.After(300 * time.Millisecond):
		}
	}
}

func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
