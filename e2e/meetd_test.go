package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetd/internal/childproc"
)

// mediaIP is where meetd's bridge listens and what it advertises in its ICE candidates. Chromium's host
// candidates are on the veth pair (10.77.0.x); both sides are addresses of the private namespace.
const mediaIP = "127.0.0.1"

// stopHurry is how long stop lets meetd drain before the second SIGTERM.
const stopHurry = 300 * time.Millisecond

// meetd is one running meetd process.
type meetd struct {
	url    string // https://127.0.0.1:port
	state  string // its state_dir
	logs   *logBook
	cmd    *exec.Cmd
	exited chan struct{}
}

// startMeetd builds ./cmd/meetd, starts it with a fresh config on free ports and waits until it serves.
// extra lines are appended to the config file (whole TOML sections, e.g. "[web]", `app_dir = "…"`).
func startMeetd(t *testing.T, logs *logBook, extra ...string) *meetd {
	t.Helper()
	dir := t.TempDir()
	bin := buildMeetd(t, dir)
	httpPort, mediaPort := freePort(t, "tcp"), freePort(t, "udp")
	m := &meetd{url: fmt.Sprintf("https://127.0.0.1:%d", httpPort), logs: logs, exited: make(chan struct{})}
	cfg := filepath.Join(dir, "meetd.toml")
	m.state = filepath.Join(dir, "state")
	writeConfig(t, cfg, m.state, httpPort, mediaPort, m.url, extra...)
	m.cmd = exec.Command(bin, "-config", cfg)
	m.cmd.Stdout = logs.writer("meetd")
	m.cmd.Stderr = logs.writer("meetd")
	m.cmd.SysProcAttr = childproc.KillWithParent()
	if err := m.cmd.Start(); err != nil {
		t.Fatalf("start meetd: %v", err)
	}
	go func() {
		err := m.cmd.Wait()
		logs.add("meetd", fmt.Sprintf("[test] meetd exited: %v", err))
		close(m.exited)
	}()
	t.Cleanup(func() { m.stop(t) })
	if err := m.waitServing(90 * time.Second); err != nil {
		t.Fatalf("meetd did not start serving: %v\nmeetd log:\n%s", err, logs.tail("meetd", 100))
	}
	return m
}

// buildMeetd builds ./cmd/meetd into dir without using the network (scripts/test.sh downloads modules first).
func buildMeetd(t *testing.T, dir string) string {
	t.Helper()
	statSources(t, "..")
	bin := filepath.Join(dir, "meetd")
	cmd := exec.Command("go", "build", "-o", bin, "./cmd/meetd")
	cmd.Dir = ".."
	cmd.Env = append(os.Environ(), "GOPROXY=off")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/meetd (offline: GOPROXY=off; ./scripts/test.sh runs go mod download first): %v\n%s", err, out)
	}
	return bin
}

// writeConfig writes the meetd config of the test (schema: conf package, meetd.example.toml); extra lines
// are appended, except "media.<key> = …" lines, which go into the [media] table.
func writeConfig(t *testing.T, path, stateDir string, httpPort, mediaPort int, publicURL string, extra ...string) {
	t.Helper()
	lines := []string{
		`domain = "localhost"`,
		fmt.Sprintf("state_dir = %q", stateDir),
		"[http]",
		fmt.Sprintf("listen = %q", fmt.Sprintf("127.0.0.1:%d", httpPort)),
		fmt.Sprintf("public_url = %q", publicURL),
		"[media]",
		fmt.Sprintf("listen = %q", fmt.Sprintf("%s:%d", mediaIP, mediaPort)),
		fmt.Sprintf("advertise = [%q]", mediaIP),
		"[log]",
		`level = "debug"`,
		`format = "text"`,
	}
	if !slices.Contains(extra, "[rooms]") {
		// The lobby is off unless the test sets [rooms] itself: in the other
		// tests every participant enters the room directly.
		lines = append(lines, "[rooms]", "lobby = false")
	}
	for _, l := range extra { // "media.key = value" lines go into the [media] table above
		if k, ok := strings.CutPrefix(l, "media."); ok {
			lines = slices.Insert(lines, slices.Index(lines, "[log]"), k)
			continue
		}
		lines = append(lines, l)
	}
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
}

// freePort returns a port that was free a moment ago; in the private namespace nothing else takes it.
func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp" {
		c, err := net.ListenPacket("udp4", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// waitServing polls /config.js until meetd answers, it exits, or the time is up.
func (m *meetd) waitServing(limit time.Duration) error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // meetd's self-signed test cert
	}}
	ctx, cancel := context.WithTimeout(context.Background(), limit)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, m.url+"/config.js", nil)
		resp, err := client.Do(req)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-m.exited:
			return fmt.Errorf("meetd exited (last request: %w)", err)
		case <-ctx.Done():
			return fmt.Errorf("no answer within %v: %w", limit, err)
		case <-time.After(300 * time.Millisecond):
		}
	}
}

// stop sends SIGTERM and waits for a clean exit; it kills meetd if it does not stop. Calls still running
// (clients that vanished hibernate for the resume timeout) would keep meetd draining for [ops]
// shutdown_timeout, so a second SIGTERM after stopHurry ends them at once, as an operator would.
func (m *meetd) stop(t *testing.T) {
	start := time.Now()
	m.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited already
	select {
	case <-m.exited:
	case <-time.After(stopHurry):
		m.cmd.Process.Signal(syscall.SIGTERM) //nolint:errcheck // it may have exited already
	}
	select {
	case <-m.exited:
		t.Logf("meetd stopped %v after SIGTERM: %v", time.Since(start).Round(time.Millisecond), m.cmd.ProcessState)
	case <-time.After(20 * time.Second):
		t.Errorf("meetd did not stop within 20s of SIGTERM; killed it")
		m.cmd.Process.Kill() //nolint:errcheck // best effort
		<-m.exited
	}
}

// waitLog waits until a meetd log line contains every one of parts.
func (m *meetd) waitLog(ctx context.Context, parts ...string) (string, error) {
	for {
		for _, line := range m.logs.all("meetd") {
			if containsAll(line, parts) {
				return line, nil
			}
		}
		select {
		case <-ctx.Done():
			return "", fmt.Errorf("no meetd log line with %q: %w", parts, ctx.Err())
		case <-time.After(500 * time.Millisecond):
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

// statSources stats every Go source of the module so that go test's result cache, which records the files
// a test looks at, is invalidated when meetd's code changes (the build itself runs in another process).
func statSources(t *testing.T, root string) {
	t.Helper()
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && (d.Name() == "node_modules" || strings.HasPrefix(d.Name(), ".") && path != root):
			return filepath.SkipDir
		case d.IsDir() || !(strings.HasSuffix(path, ".go") || d.Name() == "go.mod" || d.Name() == "go.sum"):
			return nil
		}
		_, err = os.Stat(path)
		return err
	})
	if err != nil {
		t.Fatalf("look at meetd's sources: %v", err)
	}
}
