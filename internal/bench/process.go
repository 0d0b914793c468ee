package bench

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"meetd/internal/meetdtest"
)

// readyLimit bounds how long a server under test may take to serve.
const readyLimit = 30 * time.Second

// ProcOpts say how to run a process under test.
type ProcOpts struct {
	CPUs   string // taskset CPU list; empty = any
	Netns  string // network namespace; empty = this one
	Nice   int    // nice increment (negative needs root); 0 = unchanged
	Env    []string
	OnLine func(string) // sees every output line
}

// options turns o into meetdtest's process options: taskset, nice and ip
// netns exec in front of the command; SIGKILL 10 s after SIGTERM.
func (o ProcOpts) options() meetdtest.Options {
	var prefix []string
	if o.Netns != "" {
		prefix = append(prefix, "ip", "netns", "exec", o.Netns)
	}
	if o.Nice != 0 {
		prefix = append(prefix, "nice", "-n", strconv.Itoa(o.Nice))
	}
	if o.CPUs != "" {
		prefix = append(prefix, "taskset", "-c", o.CPUs)
	}
	return meetdtest.Options{Prefix: prefix, Env: o.Env, OnLine: o.OnLine, StopLimit: 10 * time.Second}
}

// StartProcess runs argv as o says (internal/meetdtest's runner: output
// kept for error messages, killed with the tool).
func StartProcess(o ProcOpts, argv ...string) (*meetdtest.Process, error) {
	return meetdtest.StartCommand(o.options(), argv...)
}

// Server is a started SFU: where clients reach it and its process.
type Server struct {
	URL  string
	Proc *meetdtest.Process
	// Media, when set, are the processes that carry the media (external
	// bridges): their CPU is measured instead of Proc's, and they stop
	// before Proc.
	Media []*meetdtest.Process
}

// Stop stops the media processes, then Proc.
func (s *Server) Stop() {
	for _, p := range s.Media {
		_ = p.Stop()
	}
	_ = s.Proc.Stop()
}

// measured are the pids whose CPU counts as the server's.
func (s *Server) measured() []int {
	if len(s.Media) == 0 {
		return []int{s.Proc.PID()}
	}
	pids := make([]int, len(s.Media))
	for i, p := range s.Media {
		pids[i] = p.PID()
	}
	return pids
}

// Meetd starts meetd processes from a built binary.
type Meetd struct {
	Bin   string
	Dir   string // scratch directory for config and state
	CPUs  string // taskset list, e.g. "1"
	Procs int    // GOMAXPROCS when > 0
	Nice  int
	IP    string   // listen and advertise address; default 127.0.0.1
	Extra []string // more config lines (meetdtest.Config.Extra), after the benchmark's own
	C2S   int      // XMPP client TCP port on 127.0.0.1 (for external bridges); 0: a free one
}

// noFixedPorts is meetdtest.NoFixedPorts with the c2s port set when m.C2S is.
func (m *Meetd) noFixedPorts() []string {
	lines := meetdtest.NoFixedPorts()
	for i, l := range lines {
		if strings.HasPrefix(l, "c2s_listen") && m.C2S != 0 {
			lines[i] = fmt.Sprintf(`c2s_listen = "127.0.0.1:%d"`, m.C2S)
		}
	}
	return lines
}

// Start runs a fresh meetd on free ports (internal/meetdtest) and waits
// until it serves.
func (m *Meetd) Start(ctx context.Context) (*Server, error) {
	cfg := meetdtest.Config{Dir: m.Dir, IP: m.IP, LogLevel: "warn", Extra: append(m.noFixedPorts(),
		// Every emulated endpoint comes from one address: per-IP and per-room limits off.
		"[xmpp.limits]", "connections_per_ip = 0", "logins_per_minute = 0", "joins_per_second = 0.0", "join_burst = 0",
		"max_occupants = 0", "http.connections_per_ip = 0",
		// Janus and Galène forward the load tool's silent audio (level 127), so
		// meetd does too: the systems must forward the same packets to be compared
		// per packet (docs/media.md#silence; dropping it is a saving on top).
		"media.forward_silence = true")}
	cfg.Extra = append(cfg.Extra, m.Extra...)
	o := ProcOpts{CPUs: m.CPUs, Nice: m.Nice}
	if m.Procs > 0 {
		o.Env = append(o.Env, fmt.Sprintf("GOMAXPROCS=%d", m.Procs))
	}
	ctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	md, err := meetdtest.Start(ctx, m.Bin, cfg, o.options())
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNotReady, err)
	}
	return &Server{URL: md.URL(), Proc: md.Process}, nil
}
