package e2e

import (
	"context"
	"fmt"
	"os/exec"
	"strings"
	"testing"
	"time"

	"meetd/internal/meetdtest"
)

// mediaIP is where meetd's bridge listens and what it advertises in its ICE candidates. Chromium's host
// candidates are on the veth pair (10.77.0.x); both sides are addresses of the private namespace.
const mediaIP = "127.0.0.1"

// stopHurry is how long stop lets meetd drain before the second SIGTERM.
const stopHurry = 300 * time.Millisecond

// meetd is one running meetd process (started by internal/meetdtest).
type meetd struct {
	url    string // https://127.0.0.1:port
	state  string // its state_dir
	logs   *logBook
	cmd    *exec.Cmd
	exited <-chan struct{}
	proc   *meetdtest.Meetd
}

// startMeetd starts ./cmd/meetd (built once per test process) with a fresh config on free ports and waits
// until it serves; at the end of the test it is stopped and must exit with status 0. extra lines are
// appended to the config file (whole TOML sections, e.g. "[web]", `app_dir = "…"`; "media.<key> = …" lines
// go into [media]).
func startMeetd(t *testing.T, logs *logBook, extra ...string) *meetd {
	t.Helper()
	cfg := meetdtest.Config{IP: mediaIP, Extra: extra}
	p := meetdtest.Run(t, cfg, meetdtest.Options{Output: logs.writer("meetd"), Hurry: stopHurry})
	go func() {
		<-p.Exited()
		logs.add("meetd", fmt.Sprintf("[test] meetd exited: %v", p.Err()))
	}()
	return &meetd{url: p.URL(), state: p.Config.StateDir(), logs: logs, cmd: p.Cmd(), exited: p.Exited(), proc: p}
}

// stop sends SIGTERM and waits for a clean exit (status 0); it kills meetd if it does not stop. Calls still
// running (clients that vanished hibernate for the resume timeout) would keep meetd draining for [ops]
// shutdown_timeout, so a second SIGTERM after stopHurry ends them at once, as an operator would.
func (m *meetd) stop(t *testing.T) { m.proc.StopChecked(t) }

// waitLog waits until a meetd log line contains every one of parts.
func (m *meetd) waitLog(ctx context.Context, parts ...string) (string, error) {
	return meetdtest.WaitLine(ctx, func() []string { return m.logs.all("meetd") }, parts...)
}

// freePort returns a port that was free a moment ago; in the private namespace nothing else takes it.
func freePort(t *testing.T, network string) int {
	t.Helper()
	port, err := meetdtest.FreePort(network, mediaIP)
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// containsAll reports whether s contains every one of parts.
func containsAll(s string, parts []string) bool {
	for _, p := range parts {
		if !strings.Contains(s, p) {
			return false
		}
	}
	return true
}
