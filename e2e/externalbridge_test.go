package e2e

import (
	"cmp"
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetd/internal/meetdtest"
)

// The external bridge's XMPP account on meetd (a service account on auth.localhost).
const (
	bridgeJID      = "jvb@auth.localhost"
	bridgePassword = "bridge password for the test"
	bridgeID       = "jvb-ext"
)

// TestExternalBridge: meetd runs with its built-in bridge off ([bridges] builtin = false) and one
// `meetd bridge` process logs in over c2s TCP (SCRAM, STARTTLS with meetd's certificate), joins the brewery
// and carries a two-party lib-jitsi-meet call: both pages decode each other's video and open their bridge
// channel on the external bridge's own HTTPS listener; the call keeps decoding.
func TestExternalBridge(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, "[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf("%s:%d", mediaIP, c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	s.waitMeetdLog("the built-in bridge is off", "built-in bridge off")
	br := startExternalBridge(t, s, bin, c2s, bridgeID)
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "externalbridge")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	s.waitEvent(pages, "bridge channel open", "")
	for _, p := range pages {
		ctx, cancel := context.WithTimeout(t.Context(), leaveLimit)
		line, err := meetdtest.WaitLine(ctx, func() []string { return s.logs.all(bridgeID) },
			"bridge channel open", "endpoint="+ids[p], "transport=websocket")
		cancel()
		if err != nil {
			t.Fatalf("page %d's bridge channel is not on the external bridge: %v", p, err)
		}
		t.Logf("external bridge: %s", line)
	}
	s.waitStillDecoding(pages)
	if code := get(t, br.url+"/about/health"); code != http.StatusOK {
		t.Errorf("bridge /about/health = %d during the call", code)
	}
}

// accountEntry runs `meetd passwd` for an account and returns its [[auth.account]] entry.
func accountEntry(t *testing.T, bin, jid, password string) string {
	t.Helper()
	cmd := exec.Command(bin, "passwd", jid)
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("meetd passwd: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// externalBridge is a running `meetd bridge`: its https URL and process.
type externalBridge struct {
	url   string
	proc  *meetdtest.Process
	state string // its state_dir (selfsigned-cert.pem)
}

// startExternalBridge writes a bridge.toml for meetd's c2s port and runs `meetd bridge` with that id until
// the test ends (SIGTERM and, after stopHurry, a second one that ends its calls; exit status 0 required
// unless the test killed it); it returns once /readyz says
// the bridge is in the brewery. Its output goes to the log book under its id.
func startExternalBridge(t *testing.T, s *session, bin string, c2s int, id string) externalBridge {
	t.Helper()
	return startExternalBridgeIn(t, s, bin, bridgePlace{server: fmt.Sprintf("%s:%d", mediaIP, c2s), ip: mediaIP}, id)
}

// bridgePlace is where a `meetd bridge` runs: meetd's c2s address as the bridge reaches it, the address
// the bridge listens on and advertises, and the network namespace to run it in (empty: the test's own,
// bridgens_test.go), plus extra top-level config lines.
type bridgePlace struct {
	server, ip, netns string
	extra             []string
	region            string   // default "test"
	http              []string // extra [http] lines (relay_test.go)
	state             string   // its state_dir; default: a new one
}

// startExternalBridgeIn is startExternalBridge for a bridge at place.
func startExternalBridgeIn(t *testing.T, s *session, bin string, place bridgePlace, id string) externalBridge {
	t.Helper()
	dir := t.TempDir()
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(bridgePassword+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	state := cmp.Or(place.state, filepath.Join(dir, "state"))
	httpPort, mediaPort := freePort(t, "tcp"), freePort(t, "udp")
	cfg := strings.Join(append(append([]string{
		fmt.Sprintf("id = %q", id), fmt.Sprintf("region = %q", cmp.Or(place.region, "test")),
		fmt.Sprintf("state_dir = %q", state)}, place.extra...),
		"[xmpp]", fmt.Sprintf(`server = %q`, place.server), fmt.Sprintf("jid = %q", bridgeJID),
		fmt.Sprintf("password_file = %q", pw), `server_name = "localhost"`,
		fmt.Sprintf("ca_file = %q", filepath.Join(s.meetd.state, "selfsigned-cert.pem")),
		`brewery = "jvbbrewery@internal.auth.localhost"`,
		"[media]", fmt.Sprintf(`listen = "%s:%d"`, place.ip, mediaPort), fmt.Sprintf("advertise = [%q]", place.ip),
		"[http]", fmt.Sprintf(`listen = "%s:%d"`, place.ip, httpPort), strings.Join(place.http, "\n"),
		"[log]", `level = "debug"`,
	), "\n") + "\n"
	path := filepath.Join(dir, "bridge.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	opts := meetdtest.Options{Output: s.logs.writer(id), Hurry: stopHurry}
	if place.netns != "" {
		opts.Prefix = []string{"ip", "netns", "exec", place.netns}
	}
	p, err := meetdtest.StartCommand(opts, bin, "bridge", "-config", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		select {
		case <-p.Exited():
			return // killed by the test
		default:
		}
		if err := p.Stop(); err != nil {
			t.Errorf("meetd bridge stop: %v", err)
		}
	})
	url := fmt.Sprintf("https://%s:%d", place.ip, httpPort)
	err = poll(joinLimit, func() (bool, error) {
		select {
		case <-p.Exited():
			return false, fmt.Errorf("meetd bridge exited: %v", p.Err())
		default:
		}
		return get(t, url+"/readyz") == http.StatusOK, nil
	})
	if err != nil {
		t.Fatalf("the external bridge did not join the brewery: %v\n%s", err, p.Tail(60))
	}
	return externalBridge{url: url, proc: p, state: state}
}

// TestExternalBridgeFailover: a call runs on external bridge A; bridge B joins the brewery; A is killed
// (SIGKILL). The focus sees A's brewery presence go, ends both sessions and offers new ones on B: both pages
// decode each other's video again, with their bridge channels on B. The time from the kill until both
// decode again is logged.
func TestExternalBridgeFailover(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, "[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf("%s:%d", mediaIP, c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	a := startExternalBridge(t, s, bin, c2s, "jvb-a")
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "failover")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	startExternalBridge(t, s, bin, c2s, "jvb-b")
	killed := time.Now()
	if err := a.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.proc.Exited()
	s.waitMeetdLog("the focus moved the conference", "bridge left the brewery", "bridge=jvb-a")
	for _, p := range pages {
		ctx, cancel := context.WithTimeout(t.Context(), leaveLimit)
		_, err := meetdtest.WaitLine(ctx, func() []string { return s.logs.all("jvb-b") },
			"bridge channel open", "endpoint="+ids[p])
		cancel()
		if err != nil {
			t.Fatalf("page %d did not move to bridge B: %v", p, err)
		}
	}
	s.waitStillDecoding(pages)
	t.Logf("both pages decode video on bridge B %v after bridge A was killed", time.Since(killed).Round(100*time.Millisecond))
}

// get returns the status of a GET (0 when the request fails), trusting self-signed certificates.
func get(t *testing.T, url string) int {
	t.Helper()
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the bridge's self-signed test certificate
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}

// TestExternalBridgeDrain: SIGTERM to the external bridge that carries a call: it announces its graceful
// shutdown (/readyz 503, /about/health 200 "draining"), keeps the call going, and exits with status 0 once
// both participants left.
func TestExternalBridgeDrain(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, "[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf("%s:%d", mediaIP, c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	br := startExternalBridge(t, s, bin, c2s, "jvb-drain")
	pages := []int{0, 1}
	for _, p := range pages {
		s.join(p, "drain")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	if err := br.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), leaveLimit)
	defer cancel()
	if _, err := meetdtest.WaitLine(ctx, func() []string { return s.logs.all("jvb-drain") }, "shutting down gracefully"); err != nil {
		t.Fatal(err)
	}
	if ready, health := get(t, br.url+"/readyz"), get(t, br.url+"/about/health"); ready != http.StatusServiceUnavailable || health != http.StatusOK {
		t.Errorf("while draining: /readyz %d (want 503), /about/health %d (want 200)", ready, health)
	}
	s.waitStillDecoding(pages)
	select {
	case <-br.proc.Exited():
		t.Fatalf("the bridge exited during the call: %v", br.proc.Err())
	default:
	}
	for _, p := range pages {
		if err := s.eval(p, "meetdTest.leave()", nil); err != nil {
			t.Fatalf("leave on page %d: %v", p, err)
		}
	}
	select {
	case <-br.proc.Exited():
		if err := br.proc.Err(); err != nil {
			t.Errorf("the drained bridge exited with %v, want status 0", err)
		}
	case <-time.After(leaveLimit):
		t.Fatalf("the bridge still runs %v after both participants left\n%s", leaveLimit, br.proc.Tail(30))
	}
}
