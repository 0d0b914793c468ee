package bench

import (
	"context"
	"os"

	"meetd/internal/load"
)

// MeetdSystem is meetd as a System: a fresh process per measurement,
// pinned to CPUs; one core with GOMAXPROCS=1 for pinned scenarios.
type MeetdSystem struct {
	Bin  string
	CPUs string // for ordinary scenarios, e.g. "1"
	One  string // the core of pinned scenarios, e.g. "1"
	Nice int
}

// Name implements System.
func (m *MeetdSystem) Name() string { return "meetd" }

// Start implements System.
func (m *MeetdSystem) Start(ctx context.Context, sc Scenario) (*Server, error) {
	dir, err := os.MkdirTemp("", "meetd-bench-")
	if err != nil {
		return nil, err
	}
	md := &Meetd{Bin: m.Bin, Dir: dir, CPUs: m.CPUs, Nice: m.Nice}
	if sc.Pinned {
		md.CPUs, md.Procs = m.One, 1
	}
	srv, err := md.Start(ctx)
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		<-srv.Proc.Exited()
		_ = os.RemoveAll(dir)
	}()
	return srv, nil
}

// Adapt implements System.
func (m *MeetdSystem) Adapt(cfg *load.Config, srv *Server) {
	cfg.URL = srv.URL
	cfg.Signal = load.SignalJitsi
}
