package main

import (
	"context"
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// loadSampler samples the machine's 1-minute load average every period
// while the benchmark runs: the report says how busy the shared machine was.
type loadSampler struct {
	mu sync.Mutex
	v  []float64
}

func (s *loadSampler) run(ctx context.Context, period time.Duration) {
	t := time.NewTicker(period)
	defer t.Stop()
	for {
		if v, err := loadAvg1(); err == nil {
			s.mu.Lock()
			s.v = append(s.v, v)
			s.mu.Unlock()
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// summary is "min / median / max of n samples".
func (s *loadSampler) summary() string {
	s.mu.Lock()
	v := slices.Clone(s.v)
	s.mu.Unlock()
	if len(v) == 0 {
		return "not sampled"
	}
	slices.Sort(v)
	return fmt.Sprintf("1-minute load average min %.1f, median %.1f, max %.1f (%d samples)", v[0], v[len(v)/2], v[len(v)-1], len(v))
}

func loadAvg1() (float64, error) {
	b, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return 0, err
	}
	f := strings.Fields(string(b))
	if len(f) == 0 {
		return 0, fmt.Errorf("empty /proc/loadavg")
	}
	return strconv.ParseFloat(f[0], 64)
}
