package meetdtest

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/conf"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

func TestConfigTOML(t *testing.T) {
	tests := []struct {
		name      string
		extra     []string
		want      []string
		wantLobby bool
	}{
		{"defaults", nil, []string{`advertise = ["127.0.0.1"]`, `level = "debug"`}, false},
		{"media line goes into [media]", []string{"media.tcp_listen = \"\""}, []string{"[media]\nlisten = \"127.0.0.1:2\"\nadvertise = [\"127.0.0.1\"]\ntcp_listen = \"\"\n[log]"}, false},
		{"own rooms table keeps the lobby", []string{"[rooms]", "lobby = true"}, []string{"[rooms]\nlobby = true"}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := Config{Dir: t.TempDir(), HTTPPort: 1, MediaPort: 2, Extra: tc.extra}
			got := c.TOML()
			for _, w := range tc.want {
				if !strings.Contains(got, w) {
					t.Errorf("config lacks %q:\n%s", w, got)
				}
			}
			if off := strings.Contains(got, "lobby = false"); off == tc.wantLobby {
				t.Errorf("lobby off = %v:\n%s", off, got)
			}
			if err := c.Write(); err != nil {
				t.Fatal(err)
			}
			if _, err := conf.Load(c.Path()); err != nil {
				t.Errorf("meetd's conf refuses the config: %v\n%s", err, got)
			}
		})
	}
}

// TestRun runs meetd, finds a line of its output and stops it: exit status 0.
func TestRun(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs meetd")
	}
	m := Run(t, Config{LogLevel: "info", Extra: NoFixedPorts()}, Options{})
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	if _, err := m.WaitLine(ctx, "meetd:", "xmpp c2s"); err != nil {
		t.Fatal(err)
	}
	if err := m.Stop(); err != nil {
		t.Fatalf("stop: %v\n%s", err, m.Tail(40))
	}
	if st := m.Cmd().ProcessState; !st.Success() {
		t.Fatalf("exit %v", st)
	}
	if Binary(t) != m.Cmd().Path {
		t.Errorf("binary built again: %s, then %s", m.Cmd().Path, Binary(t))
	}
}

func TestStop(t *testing.T) {
	if _, err := exec.LookPath("sh"); err != nil {
		t.Skip("no sh")
	}
	tests := []struct {
		name    string
		script  string
		wantErr error
		exitErr bool
	}{
		{"exits on SIGTERM", "trap 'exit 0' TERM; echo up; while :; do sleep 0.1; done", nil, false},
		{"fails on SIGTERM", "trap 'exit 3' TERM; echo up; while :; do sleep 0.1; done", nil, true},
		{"ignores SIGTERM", "trap '' TERM; echo up; while :; do sleep 0.1; done", ErrKilled, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			up := make(chan struct{}, 1)
			p, err := StartCommand(Options{StopLimit: 2 * time.Second, OnLine: func(l string) {
				if l == "up" {
					up <- struct{}{}
				}
			}}, "sh", "-c", tc.script)
			if err != nil {
				t.Fatal(err)
			}
			select {
			case <-up:
			case <-time.After(20 * time.Second):
				t.Fatal("script did not start")
			}
			err = p.Stop()
			var exit *exec.ExitError
			switch {
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Errorf("Stop = %v, want %v", err, tc.wantErr)
			case tc.exitErr && !errors.As(err, &exit):
				t.Errorf("Stop = %v, want an exit error", err)
			case tc.wantErr == nil && !tc.exitErr && err != nil:
				t.Errorf("Stop = %v, want nil", err)
			}
			if p.Tail(0) != "up" {
				t.Errorf("output %q", p.Tail(0))
			}
		})
	}
}
