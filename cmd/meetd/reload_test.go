package main

import (
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetd/internal/syncbuf"
)

// TestSIGHUPReload is issue 11 defect 7 and docs/bad-input.md#f10: SIGHUP
// used to end meetd (status 129). Now it reloads the file: a web setting
// changes config.js at once and a change that needs a restart is named in
// the log; an invalid file is refused with the reason and the running
// configuration stays; meetd keeps serving and stops cleanly afterwards.
func TestSIGHUPReload(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "meetd.toml")
	base := fmt.Sprintf("state_dir = %q\n[http]\nlisten = \"127.0.0.1:0\"\n[media]\nlisten = \"127.0.0.1:0\"\n", dir)
	write := func(s string) {
		t.Helper()
		if err := os.WriteFile(path, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write(base)
	ctx, cancel := context.WithTimeout(context.Background(), 2*wait)
	defer cancel()
	cmd := exec.CommandContext(ctx, os.Args[0], "-config", path)
	cmd.Env = append(os.Environ(), "MEETD_TEST_RUN_MAIN=1")
	var stderr syncbuf.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	addr := readAnnounce(t, out)
	go func() { _, _ = io.Copy(io.Discard, out) }()
	hup := func(logPart string) {
		t.Helper()
		before := strings.Count(stderr.String(), logPart)
		if err := cmd.Process.Signal(syscall.SIGHUP); err != nil {
			t.Fatal(err)
		}
		for end := time.Now().Add(wait); strings.Count(stderr.String(), logPart) == before; time.Sleep(50 * time.Millisecond) {
			if time.Now().After(end) {
				t.Fatalf("no %q in the log after SIGHUP:\n%s", logPart, stderr.String())
			}
		}
	}

	write(strings.Replace(base, "[media]\nlisten = \"127.0.0.1:0\"", "[media]\nlisten = \"127.0.0.1:1\"", 1) +
		"[web.config]\nstartWithAudioMuted = true\n")
	hup("configuration reloaded")
	if log := stderr.String(); !strings.Contains(log, "media.listen") {
		t.Errorf("the restart-only change is not named:\n%s", log)
	}
	if js := fetchConfigJS(t, addr, dir); !strings.Contains(js, "startWithAudioMuted") {
		t.Fatal("config.js did not change with the reload")
	}

	write("this is [[ not TOML")
	hup("reload refused")
	if js := fetchConfigJS(t, addr, dir); !strings.Contains(js, "startWithAudioMuted") {
		t.Fatal("the refused reload changed the running configuration")
	}

	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("meetd after the reloads and SIGTERM: %v\nstderr:\n%s", err, stderr.String())
	}
	for _, l := range strings.Split(stderr.String(), "\n") {
		if strings.Contains(l, "reload") {
			t.Log(l)
		}
	}
}

func fetchConfigJS(t *testing.T, addr, stateDir string) string {
	t.Helper()
	client := trustingClient(t, stateDir)
	defer client.CloseIdleConnections()
	resp, err := client.Get("https://" + addr + "/config.js")
	if err != nil {
		t.Fatalf("GET config.js: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}
