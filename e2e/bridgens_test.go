package e2e

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"meetd/internal/meetdtest"
)

// bridgeNamespace is a network namespace of its own for one `meetd bridge`, joined to the test's
// namespace by a veth pair: the bridge has 10.78.<n>.2, the test's side 10.78.<n>.1, and its default route
// goes there (meetd, Chromium's host candidates and the other bridges are all addresses of the test's
// namespace, which itself has no route out).
type bridgeNamespace struct {
	name     string // for ip netns exec
	ip, host string // the bridge's address and the test side's
}

// newBridgeNamespace makes namespace n (1…250) and removes it when the test ends. Its name carries the
// test process's id: /run/netns is shared with every other test process on the machine.
func newBridgeNamespace(t *testing.T, n int) bridgeNamespace {
	t.Helper()
	b := bridgeNamespace{name: fmt.Sprintf("meetd-e2e-%d-%d", os.Getpid(), n),
		ip: fmt.Sprintf("10.78.%d.2", n), host: fmt.Sprintf("10.78.%d.1", n)}
	hostDev := "brns" + strconv.Itoa(n)
	ipCmd(t, "netns", "add", b.name)
	t.Cleanup(func() { _ = exec.Command("ip", "netns", "del", b.name).Run() })
	for _, args := range [][]string{
		{"link", "add", hostDev, "type", "veth", "peer", "name", "eth0", "netns", b.name},
		{"addr", "add", b.host + "/24", "dev", hostDev},
		{"link", "set", hostDev, "up"},
		{"-n", b.name, "link", "set", "lo", "up"},
		{"-n", b.name, "addr", "add", b.ip + "/24", "dev", "eth0"},
		{"-n", b.name, "link", "set", "eth0", "up"},
		{"-n", b.name, "route", "add", "default", "via", b.host},
	} {
		ipCmd(t, args...)
	}
	return b
}

func ipCmd(t *testing.T, args ...string) {
	t.Helper()
	if out, err := exec.Command("ip", args...).CombinedOutput(); err != nil {
		t.Fatalf("ip %s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// TestExternalBridgesNamespaces (issue 17): one meetd (XMPP, focus, web; built-in bridge off) and three
// `meetd bridge` processes, each in a network namespace of its own with its own address. Conference X
// (pages 0, 1) runs on bridge A; A announces overload (a tiny capacity_pps), so conference Y (pages 2, 3)
// goes to bridge B; bridge C joins. A gets SIGKILL: X's pages decode video again on another bridge (the
// time is logged), Y's pages keep their Jingle session and keep decoding. Then the bridge now carrying X
// gets SIGTERM: it drains (/readyz 503, X keeps decoding) and exits 0 once X's pages left.
func TestExternalBridgesNamespaces(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, "[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf(":%d", c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	ips := map[string]string{} // bridge id → its address
	place := func(n int, id string, extra ...string) bridgePlace {
		ns := newBridgeNamespace(t, n)
		ips[id] = ns.ip
		return bridgePlace{server: fmt.Sprintf("%s:%d", ns.host, c2s), ip: ns.ip, netns: ns.name, extra: extra}
	}
	a := startExternalBridgeIn(t, s, bin, place(1, "jvb-ns-a", "capacity_pps = 1"), "jvb-ns-a")
	x, y := []int{0, 1}, []int{2, 3}
	idsX := startCallOn(s, x, "nsx", "jvb-ns-a", ips["jvb-ns-a"])
	waitStress(t, a.url, 0.8) // A now looks overloaded to the focus
	b := startExternalBridgeIn(t, s, bin, place(2, "jvb-ns-b"), "jvb-ns-b")
	idsY := startCallOn(s, y, "nsy", "jvb-ns-b", ips["jvb-ns-b"])
	c := startExternalBridgeIn(t, s, bin, place(3, "jvb-ns-c"), "jvb-ns-c")
	sids := map[int]string{}
	for _, p := range y {
		var sid string
		if err := s.eval(p, jvbSIDJS, &sid); err != nil || sid == "" {
			t.Fatalf("jingle session of page %d: %q %v", p, sid, err)
		}
		sids[p] = sid
	}

	killed := time.Now()
	if err := a.proc.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-a.proc.Exited()
	s.waitMeetdLog("the focus moved the conference", "bridge left the brewery", "bridge=jvb-ns-a")
	t.Logf("the focus noticed %v after the kill", time.Since(killed).Round(100*time.Millisecond))
	target := waitChannelsOn(s, x, idsX, "jvb-ns-b", "jvb-ns-c")
	t.Logf("X's bridge channels open on %s %v after the kill", target, time.Since(killed).Round(100*time.Millisecond))
	s.waitStillDecoding(x)
	t.Logf("conference X decodes video again on %s %v after bridge A was killed", target, time.Since(killed).Round(100*time.Millisecond))
	for _, p := range x {
		requireMediaFrom(s, p, ips[target])
	}
	s.waitStillDecoding(y)
	for _, p := range y {
		var sid string
		if err := s.eval(p, jvbSIDJS, &sid); err != nil || sid != sids[p] {
			t.Errorf("page %d (conference Y, bridge B) changed its jingle session %q → %q (%v)", p, sids[p], sid, err)
		}
	}
	if got := waitChannelsOn(s, y, idsY, "jvb-ns-b"); got != "jvb-ns-b" {
		t.Errorf("conference Y is on %s", got)
	}

	drained := map[string]externalBridge{"jvb-ns-b": b, "jvb-ns-c": c}[target]
	drainWithCall(s, drained, target, x)
}

// startCallOn joins pages to room, waits for media both ways and checks that their bridge channels are
// on bridge id and their media come from its address ip; it returns the pages' endpoint ids.
func startCallOn(s *session, pages []int, room, id, ip string) map[int]string {
	s.t.Helper()
	for _, p := range pages {
		s.join(p, room)
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	s.waitMedia(pages)
	if got := waitChannelsOn(s, pages, ids, id); got != id {
		s.t.Fatalf("room %s is on %s, want %s", room, got, id)
	}
	for _, p := range pages {
		requireMediaFrom(s, p, ip)
	}
	return ids
}

// remoteAddressJS is the address of the remote candidate of the page's selected ICE pair.
const remoteAddressJS = `(async () => {
	const s = meetdTest.conference().jvbJingleSession;
	if (!s) { return ''; }
	const stats = await s.peerconnection.peerconnection.getStats();
	let pair = null;
	stats.forEach(r => { if (r.type === 'transport' && r.selectedCandidatePairId) { pair = stats.get(r.selectedCandidatePairId); } });
	if (!pair) { return ''; }
	const r = stats.get(pair.remoteCandidateId);
	return r.address || r.ip || '';
})()`

// requireMediaFrom checks that the page's selected ICE pair goes to the bridge address ip (a bridge in
// another namespace).
func requireMediaFrom(s *session, page int, ip string) {
	s.t.Helper()
	var addr string
	if err := s.eval(page, remoteAddressJS, &addr); err != nil || addr != ip {
		s.t.Fatalf("page %d's media come from %q (%v), want the bridge's address %s", page, addr, err, ip)
	}
	s.t.Logf("page %d: media from %s (%s)", page, addr, s.selectedPair(page))
}

// waitChannelsOn waits until every page's bridge channel opened on one of the bridges and returns
// which (the first that carries all of them).
func waitChannelsOn(s *session, pages []int, ids map[int]string, bridges ...string) string {
	s.t.Helper()
	var found string
	err := poll(leaveLimit, func() (bool, error) {
		for _, b := range bridges {
			all := true
			for _, p := range pages {
				all = all && hasLine(s.logs.all(b), "bridge channel open", "endpoint="+ids[p])
			}
			if all {
				found = b
				return true, nil
			}
		}
		return false, nil
	})
	if err != nil {
		s.t.Fatalf("bridge channels of pages %v not on %v: %v\n%s", pages, bridges, err, s.describeAll(pages))
	}
	return found
}

func hasLine(lines []string, parts ...string) bool {
	for _, l := range lines {
		all := true
		for _, p := range parts {
			all = all && strings.Contains(l, p)
		}
		if all {
			return true
		}
	}
	return false
}

// waitStress waits until the bridge's /metrics shows a stress level of at least min (the value its
// brewery presence announces every 5 s).
func waitStress(t *testing.T, url string, min float64) {
	t.Helper()
	err := poll(leaveLimit, func() (bool, error) {
		return metricValue(bridgeBody(url+"/metrics"), "meetd_bridge_stress") >= min, nil
	})
	if err != nil {
		t.Fatalf("bridge stress never reached %v: %v", min, err)
	}
	time.Sleep(6 * time.Second) // one more presence interval: the focus has the value too
}

// bridgeBody returns the body of a GET to a bridge ("" when it fails), trusting its self-signed certificate.
func bridgeBody(url string) string {
	c := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // the bridge's self-signed test certificate
	defer c.CloseIdleConnections()
	resp, err := c.Get(url)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// drainWithCall sends SIGTERM to the bridge carrying pages' call: it must announce the drain, keep the
// call decoding, and exit 0 once the pages left.
func drainWithCall(s *session, br externalBridge, id string, pages []int) {
	t := s.t
	t.Helper()
	if err := br.proc.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), leaveLimit)
	defer cancel()
	if _, err := meetdtest.WaitLine(ctx, func() []string { return s.logs.all(id) }, "shutting down gracefully"); err != nil {
		t.Fatal(err)
	}
	if ready, health := get(t, br.url+"/readyz"), get(t, br.url+"/about/health"); ready != http.StatusServiceUnavailable || health != http.StatusOK {
		t.Errorf("while draining: /readyz %d (want 503), /about/health %d (want 200)", ready, health)
	}
	s.waitStillDecoding(pages)
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
		t.Fatalf("the bridge still runs %v after its participants left\n%s", leaveLimit, br.proc.Tail(30))
	}
}
