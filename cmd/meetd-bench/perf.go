package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"time"

	"meetd/internal/bench"
)

// perfHook returns a window hook that records a `perf record -e cpu-clock
// -g` profile of system in scenario during each of its windows (one file a
// round, in dir), so the profile is taken side by side with the measured
// run. perf's own sampling costs the server a little CPU in that window.
func perfHook(dir, system, scenario string, progress func(string)) bench.WindowHook {
	round := 0
	return func(ctx context.Context, sys, sc string, pid int, window time.Duration) {
		if sys != system || sc != scenario {
			return
		}
		round++
		out := filepath.Join(dir, fmt.Sprintf("perf-%s-%s-%d.data", sys, sc, round))
		secs := strconv.FormatFloat(max(1, window.Seconds()-1), 'f', 1, 64)
		cmd := exec.CommandContext(ctx, "perf", "record", "-e", "cpu-clock", "-F", "999", "-g", "-p", strconv.Itoa(pid),
			"-o", out, "--", "sleep", secs)
		if b, err := cmd.CombinedOutput(); err != nil {
			progress(fmt.Sprintf("perf record %s %s failed: %v: %s", sys, sc, err, b))
			return
		}
		progress("perf profile " + out)
	}
}

// perfUsable reports whether perf can sample cpu-clock here.
func perfUsable() error {
	if _, err := exec.LookPath("perf"); err != nil {
		return fmt.Errorf("perf not installed (Debian: apt-get install linux-perf): %w", err)
	}
	if b, err := exec.Command("perf", "stat", "-e", "cpu-clock", "true").CombinedOutput(); err != nil {
		return fmt.Errorf("perf stat -e cpu-clock: %w: %s", err, b)
	}
	return nil
}
