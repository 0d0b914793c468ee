package load

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetd/internal/childproc"
)

// testMeetd builds ./cmd/meetd and runs it on loopback with free ports; it
// returns the https base URL.
func testMeetd(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs meetd")
	}
	dir := t.TempDir()
	bin := filepath.Join(dir, "meetd")
	build := exec.Command("go", "build", "-o", bin, "./cmd/meetd")
	build.Dir = "../.."
	build.Env = append(os.Environ(), "GOPROXY=off")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build ./cmd/meetd: %v\n%s", err, out)
	}
	httpPort, mediaPort := freePort(t, "tcp4"), freePort(t, "udp4")
	url := fmt.Sprintf("https://127.0.0.1:%d", httpPort)
	cfg := strings.Join([]string{`domain = "localhost"`, fmt.Sprintf("state_dir = %q", filepath.Join(dir, "state")),
		"[http]", fmt.Sprintf("listen = \"127.0.0.1:%d\"", httpPort), fmt.Sprintf("public_url = %q", url),
		"[media]", fmt.Sprintf("listen = \"127.0.0.1:%d\"", mediaPort), `advertise = ["127.0.0.1"]`,
		"[log]", `level = "warn"`,
		// No fixed host ports: the ops listener and the XMPP TCP ports stay off or on free ports.
		// The lobby is off: every emulated participant enters the room.
		"[rooms]", "lobby = false",
		"[ops]", `listen = ""`, "[xmpp]", `c2s_listen = "127.0.0.1:0"`, `component_listen = "127.0.0.1:0"`}, "\n") + "\n"
	cfgPath := filepath.Join(dir, "meetd.toml")
	if err := os.WriteFile(cfgPath, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	var log strings.Builder
	cmd := exec.Command(bin, "-config", cfgPath)
	cmd.Stdout, cmd.Stderr = &log, &log
	cmd.SysProcAttr = childproc.KillWithParent()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		_ = cmd.Wait()
		if t.Failed() {
			t.Logf("meetd log:\n%s", log.String())
		}
	})
	waitServing(t, url)
	return url
}

func freePort(t *testing.T, network string) int {
	t.Helper()
	if network == "udp4" {
		c, err := net.ListenPacket(network, "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port
	}
	l, err := net.Listen(network, "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func waitServing(t *testing.T, url string) {
	t.Helper()
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // self-signed test certificate
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		resp, err := client.Get(url + "/config.js")
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatal("meetd did not start serving")
}

// TestLoadAgainstMeetd is the short run of the load tool: three publishing
// endpoints (one probe) for a few seconds through a real meetd.
func TestLoadAgainstMeetd(t *testing.T) {
	url := testMeetd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 3
	l, err := Start(ctx, Config{URL: url, Endpoints: n, Senders: n, Probes: 1, Simulcast: true,
		KeyframeInterval: time.Second, JoinInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if failed := l.Wait(ctx); len(failed) > 0 {
		t.Fatalf("joins failed: %v", failed)
	}
	time.Sleep(time.Second) // keyframes after PLI, first feedback
	a := l.Snapshot()
	time.Sleep(3 * time.Second)
	w := Diff(a, l.Snapshot())
	// Each endpoint receives, from each other endpoint, the first simulcast
	// layer (30 fps, one packet per delta frame) and 50 audio packets/s.
	want := float64(n*(n-1)) * (30 + 50)
	j := l.JoinStats()
	checks := []struct {
		name string
		ok   bool
	}{
		{"srtp profile is GCM", l.Profile() == "AEAD_AES_128_GCM"},
		{"all connected", l.Connected() == n},
		// Bounds are loose: the suite runs beside other tests on two cores.
		{"media forwarded", w.ReceivedPPS() > 0.5*want && w.ReceivedPPS() < 1.5*want},
		{"probe measured latency", w.Probed > 0 && w.LatencyP50 > 0 && w.LatencyP50 < 100*time.Millisecond},
		{"loss measured and small", w.Expected > 0 && w.LossRatio() < 0.2},
		{"every endpoint saw a whole keyframe", len(j.Stages[StageKeyframe]) == n},
		{"join stages ordered", j.Quantile(StageInitiate, 0.5) <= j.Quantile(StageICE, 0.5) &&
			j.Quantile(StageICE, 0.5) <= j.Quantile(StageDTLS, 0.5)},
	}
	tot := l.Snapshot()
	checks = append(checks,
		struct {
			name string
			ok   bool
		}{"keyframe requests reached the senders", tot.PLIsReceived > 0},
		struct {
			name string
			ok   bool
		}{"transport-cc feedback sent", tot.TWCCFeedbackSent > 0},
	)
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("window %+v, joins %s, totals %+v", w, j.Median(), *tot)
			}
		})
	}
}
