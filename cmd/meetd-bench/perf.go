package main

import (
	"context"
	"fmt"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"time"

	"meetd/internal/bench"
)

// perfHook returns a window hook that records a `perf record -e cpu-clock
// -g` profile of each system/scenario pair in targets during its windows
// (one file a round, in dir), so the profile is taken side by side with the
// measured run. perf's own sampling costs the server a little CPU in that
// window.
func perfHook(dir string, targets []string, progress func(string)) bench.WindowHook {
	var mu sync.Mutex
	rounds := map[string]int{}
	return func(ctx context.Context, sys, sc string, pid int, window time.Duration) {
		if !slices.Contains(targets, sys+"/"+sc) {
			return
		}
		mu.Lock()
		rounds[sys+"/"+sc]++
		round := rounds[sys+"/"+sc]
		mu.Unlock()
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
