package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/conf"
)

// wait bounds every wait in these tests; generous for a loaded machine.
const wait = 60 * time.Second

func loopbackConfig(t *testing.T) *conf.Config {
	t.Helper()
	c := conf.Default()
	c.StateDir = t.TempDir()
	c.HTTP.Listen = "127.0.0.1:0"
	c.Media.Listen = "127.0.0.1:0"
	c.Ops.Listen = "" // ops_test.go turns it on
	return c
}

var webLine = regexp.MustCompile(`^meetd: web (\S+)/ \(listening (127\.0\.0\.1:\d+)\)$`)

// readAnnounce reads lines from r until the media line and returns the web
// listening address.
func readAnnounce(t *testing.T, r io.Reader) string {
	t.Helper()
	sc := bufio.NewScanner(r)
	var addr string
	for sc.Scan() {
		if m := webLine.FindStringSubmatch(sc.Text()); m != nil {
			addr = m[2]
		}
		if strings.HasPrefix(sc.Text(), "meetd: media udp 127.0.0.1:") {
			go func() { _, _ = io.Copy(io.Discard, r) }()
			return addr
		}
	}
	t.Fatalf("no announce lines (scan error %v)", sc.Err())
	return ""
}

// getConfigJS fetches /config.js trusting only the certificate in stateDir.
func getConfigJS(t *testing.T, addr, stateDir string) {
	t.Helper()
	client := trustingClient(t, stateDir)
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/config.js")
	if err != nil {
		t.Fatalf("GET config.js: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.Contains(string(body), "var config") {
		t.Fatalf("GET config.js: %s %q", resp.Status, body)
	}
}

func TestServeRunsAndStopsOnCancel(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	cfg := loopbackConfig(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	defer pr.Close()
	done := make(chan error, 1)
	go func() {
		done <- serve(ctx, cfg, slog.New(slog.DiscardHandler), pw)
		_ = pw.Close()
	}()
	addr := readAnnounce(t, pr)
	getConfigJS(t, addr, cfg.StateDir)
	cancel()
	awaitServe(t, done)
}

// awaitServe waits (at most wait) for serve to return, and wants nil.
func awaitServe(t *testing.T, done <-chan error) {
	t.Helper()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("serve = %v, want nil", err)
		}
	case <-time.After(wait):
		t.Fatal("serve did not return")
	}
}

func TestServeReportsBusyPort(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	cfg := loopbackConfig(t)
	cfg.HTTP.Listen = ln.Addr().String()
	err = serve(context.Background(), cfg, slog.New(slog.DiscardHandler), io.Discard)
	if err == nil || !strings.Contains(err.Error(), "http.listen") {
		t.Errorf("serve on a busy port = %v, want an http.listen error", err)
	}
}

// TestMain lets TestSignalStopsCleanly run this test binary as meetd.
func TestMain(m *testing.M) {
	if os.Getenv("MEETD_TEST_RUN_MAIN") == "1" {
		os.Exit(realMain(os.Args[1:], os.Stdout, os.Stderr))
	}
	os.Exit(m.Run())
}

func TestSignalStopsCleanly(t *testing.T) {
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM} {
		t.Run(sig.String(), func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "meetd.toml")
			toml := fmt.Sprintf("state_dir = %q\n[http]\nlisten = \"127.0.0.1:0\"\n[media]\nlisten = \"127.0.0.1:0\"\n[ops]\nlisten = \"127.0.0.1:0\"\n", dir)
			if err := os.WriteFile(path, []byte(toml), 0o600); err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-config", path)
			cmd.Env = append(os.Environ(), "MEETD_TEST_RUN_MAIN=1")
			var stderr strings.Builder
			cmd.Stderr = &stderr
			out, err := cmd.StdoutPipe()
			if err != nil {
				t.Fatal(err)
			}
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			getConfigJS(t, readAnnounce(t, out), dir)
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			if err := cmd.Wait(); err != nil { // exit status 0 required
				t.Fatalf("meetd after %v: %v\nstderr:\n%s", sig, err, stderr.String())
			}
			if !strings.Contains(stderr.String(), "meetd: stopped") {
				t.Errorf("no stop log line in stderr:\n%s", stderr.String())
			}
		})
	}
}
