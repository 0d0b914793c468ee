package main

import (
	"errors"
	"log/slog"
	"os"
	"sync/atomic"
	"syscall"
	"testing"
	"time"
)

// fakeDrainable has n participants until Participants has been called
// endAfter times (0: they never leave).
type fakeDrainable struct {
	n, endAfter int64
	calls       atomic.Int64
	drained     atomic.Bool
}

func (f *fakeDrainable) Drain() { f.drained.Store(true) }

func (f *fakeDrainable) Participants() int {
	if c := f.calls.Add(1); f.endAfter > 0 && c >= f.endAfter {
		return 0
	}
	return int(f.n)
}

func TestDrain(t *testing.T) {
	errPart := errors.New("bridge: stopped unexpectedly")
	closed := make(chan struct{})
	close(closed)
	stoppedNow := make(chan error, 1)
	stoppedNow <- errPart
	const long = time.Hour
	tests := []struct {
		name     string
		people   int64
		endAfter int64 // Participants calls until they left; 0: never
		bound    time.Duration
		hurry    <-chan struct{}
		stopped  <-chan error
		wantErr  error
		maxTaken time.Duration
	}{
		{"nobody in a call", 0, 0, long, nil, nil, nil, time.Second},
		{"bound 0 ends at once", 2, 0, 0, nil, nil, nil, time.Second},
		{"everybody leaves before the bound", 1, 3, long, nil, nil, nil, 10 * time.Second},
		{"bound passes", 1, 0, 300 * time.Millisecond, nil, nil, nil, 10 * time.Second},
		{"second signal", 1, 0, long, closed, nil, nil, 10 * time.Second},
		{"a part stops", 1, 0, long, nil, stoppedNow, errPart, 10 * time.Second},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeDrainable{n: tc.people, endAfter: tc.endAfter}
			start := time.Now()
			err := drain(slog.New(slog.DiscardHandler), f, tc.bound, tc.hurry, tc.stopped)
			took := time.Since(start)
			if !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Errorf("drain = %v, want %v", err, tc.wantErr)
			}
			if !f.drained.Load() {
				t.Error("the focus was not drained")
			}
			if took > tc.maxTaken {
				t.Errorf("drain took %v", took)
			}
			if tc.name == "bound passes" && took < tc.bound {
				t.Errorf("drain returned after %v, before the bound %v", took, tc.bound)
			}
		})
	}
}

func TestWatchSignals(t *testing.T) {
	ctx, hurry, stop := watchSignals()
	defer stop()
	self, err := os.FindProcess(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		name string
		done <-chan struct{}
	}{
		{"first signal cancels the context", ctx.Done()},
		{"second signal closes hurry", hurry},
	}
	for i, s := range steps {
		if i == 1 {
			select {
			case <-hurry:
				t.Fatal("hurry closed after the first signal")
			default:
			}
		}
		if err := self.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		select {
		case <-s.done:
		case <-time.After(wait):
			t.Fatalf("%s: nothing happened", s.name)
		}
	}
}
