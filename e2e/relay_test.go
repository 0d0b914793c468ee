package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"meetd/conf"
	"meetd/internal/meetdtest"
	"meetd/web"
)

// TestRelayTwoRegions: meetd without its built-in bridge and two `meetd bridge` processes, one in region
// "eu" and one in "us". Page 0 says it is in eu, page 1 in us (config.js deploymentInfo.userRegion, which the
// 2021 lib-jitsi-meet puts in its MUC presence): each lands on its region's bridge, the focus links the two
// bridges with a relay (its own ICE/DTLS/SRTP, its channel over the bridges' HTTPS listeners), and both pages
// decode each other's video and hear each other's audio through the relay; the only unmuted page becomes
// dominant speaker on the other page, in both directions.
func TestRelayTwoRegions(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, relaySessionConfig(t, bin, fmt.Sprintf("%s:%d", mediaIP, c2s))...)
	here := bridgePlace{server: fmt.Sprintf("%s:%d", mediaIP, c2s), ip: mediaIP}
	startRelayBridges(t, s, bin, here, here)
	rc := startRelayCall(t, s, "relayed", map[int]string{0: "eu", 1: "us"})
	t.Run("dominant speaker across the relay", rc.testDominant)
	rc.leave()
}

// TestRelayNamespaces (issue 17): the relay between bridges in different network namespaces. meetd (built-in
// bridge off) and two `meetd bridge` processes, "eu" at 10.78.1.2 and "us" at 10.78.2.2, each in a namespace
// of its own; the relay's media and channel go from one namespace to the other through the test's namespace,
// which routes between them. Page 0 is in eu, pages 1 and 2 in us. Every page decodes every other page's
// video through the relay, its ICE pair going to its own bridge's address; the only unmuted page is dominant
// speaker on every page of both bridges; with lastN = 1 on page 0, page 0 decodes only the video of the
// dominant speaker, on the other bridge, and when the speaker changes the forwarded video follows.
func TestRelayNamespaces(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	s := newSessionConfig(t, relaySessionConfig(t, bin, fmt.Sprintf(":%d", c2s))...)
	routeBetweenNamespaces(t)
	place := func(n int) bridgePlace {
		ns := newBridgeNamespace(t, n)
		return bridgePlace{server: fmt.Sprintf("%s:%d", ns.host, c2s), ip: ns.ip, netns: ns.name}
	}
	eu, us := place(1), place(2)
	startRelayBridges(t, s, bin, eu, us)
	rc := startRelayCall(t, s, "relayedns", map[int]string{0: "eu", 1: "us", 2: "us"})
	for p, region := range rc.regions {
		requireMediaFrom(s, p, map[string]string{"eu": eu.ip, "us": us.ip}[region])
	}
	t.Run("dominant speaker across the relay", rc.testDominant)
	t.Run("lastN across the relay", rc.testLastN)
	rc.leave()
}

// relaySessionConfig is meetd's configuration for the relay tests: no built-in bridge, c2s on listen and the
// bridges' account.
func relaySessionConfig(t *testing.T, bin, listen string) []string {
	return []string{"[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", listen),
		accountEntry(t, bin, bridgeJID, bridgePassword)}
}

// routeBetweenNamespaces lets the test's private namespace (main_test.go) forward between the bridge
// namespaces' veth pairs, so that a bridge reaches another bridge's address.
func routeBetweenNamespaces(t *testing.T) {
	t.Helper()
	if os.Getenv(isolatedEnv) == "" {
		t.Fatal("not in the test's private network namespace")
	}
	if err := os.WriteFile("/proc/sys/net/ipv4/ip_forward", []byte("1\n"), 0o644); err != nil {
		t.Fatalf("forwarding in the test's namespace: %v", err)
	}
}

// startRelayBridges starts bridge "jvb-us" (region us) at us and then "jvb-eu" (region eu) at eu. The eu
// bridge is the first in the conference (page 0 joins first): it opens the relay channel to the us bridge
// and must trust that bridge's self-signed certificate.
func startRelayBridges(t *testing.T, s *session, bin string, eu, us bridgePlace) {
	t.Helper()
	us.region = "us"
	b := startExternalBridgeIn(t, s, bin, us, "jvb-us")
	eu.region = "eu"
	eu.http = append(eu.http, fmt.Sprintf("relay_ca_file = %q", filepath.Join(b.state, web.SelfSignedCertFile)))
	startExternalBridgeIn(t, s, bin, eu, "jvb-eu")
}

// relayCall is a call whose pages sit on the eu and us bridges of startRelayBridges.
type relayCall struct {
	*quality
	regions map[int]string // page → its region, and so its bridge "jvb-<region>"
	room    string
}

// startRelayCall joins page 0 first (its bridge initiates the relay), then the other pages of regions, and
// waits until each page's endpoint is on its region's bridge, the relay is connected on both bridges with its
// channel open, and every page decodes every other page.
func startRelayCall(t *testing.T, s *session, room string, regions map[int]string) *relayCall {
	t.Helper()
	s.regions = regions
	q := &quality{session: s}
	for p := range len(regions) {
		q.all = append(q.all, p)
	}
	s.join(0, room)
	s.waitJoined([]int{0})
	for _, p := range q.all[1:] {
		s.join(p, room)
	}
	q.ids = s.waitJoined(q.all)
	s.waitPeers(q.all, q.ids)
	for _, p := range q.all {
		waitBridgeLog(t, s, "jvb-"+regions[p], fmt.Sprintf("page %d's endpoint on the %s bridge", p, regions[p]),
			"endpoint created", "endpoint="+q.ids[p])
	}
	waitBridgeLog(t, s, "jvb-eu", "the eu bridge's relay connected", "relay connected", "endpoint=jvb-us")
	waitBridgeLog(t, s, "jvb-us", "the us bridge's relay connected", "relay connected", "endpoint=jvb-eu")
	waitBridgeLog(t, s, "jvb-us", "the relay channel open", "bridge channel open", "endpoint=jvb-eu")
	s.waitMedia(q.all)
	s.waitStillDecoding(q.all)
	return &relayCall{quality: q, regions: regions, room: room}
}

// testDominant: each bridge decides from every participant's audio levels, the remote ones arriving over
// the relay: the only unmuted page becomes dominant speaker on every other page, on both bridges, for each
// page in turn (last to first).
func (rc *relayCall) testDominant(t *testing.T) {
	for i := len(rc.all) - 1; i >= 0; i-- {
		speaker := rc.all[i]
		for _, p := range rc.all {
			rc.setAudioMuted(p, p != speaker)
		}
		start := time.Now()
		rc.waitDominant(speaker)
		t.Logf("page %d (%s) dominant speaker on every other page after %v", speaker, rc.regions[speaker],
			time.Since(start).Round(10*time.Millisecond))
	}
}

// testLastN: page 0 sets lastN = 1; pages 1 and 2, both on the other bridge, become dominant speaker in
// turn, and page 0 decodes only the current speaker's video: the eu bridge's last-N follows the speaker
// decided from levels that came over the relay, and the video it forwards came over the relay too.
func (rc *relayCall) testLastN(t *testing.T) {
	rc.constrain(0, 1, nil, nil)
	for _, speaker := range []int{1, 2} {
		for _, p := range rc.all {
			rc.setAudioMuted(p, p != speaker)
		}
		rc.waitDominant(speaker)
		other := 3 - speaker
		time.Sleep(2 * time.Second) // in-flight frames, a keyframe of the new speaker
		before := rc.framesOn(0, speaker, other)
		time.Sleep(3 * time.Second)
		after := rc.framesOn(0, speaker, other)
		got, leak := after[0]-before[0], after[1]-before[1]
		t.Logf("lastN=1, page %d speaking: page 0 decoded %d frames of page %d and %d of page %d in 3 s",
			speaker, got, speaker, leak, other)
		if got < 30 {
			t.Fatalf("the dominant speaker's (page %d) video is not forwarded across the relay with lastN=1", speaker)
		}
		if leak > 2 {
			t.Fatalf("page %d's video still forwarded with lastN=1 while page %d speaks", other, speaker)
		}
	}
}

// framesOn returns how many frames page has decoded of each sender's video.
func (rc *relayCall) framesOn(page int, senders ...int) []int64 {
	v := rc.video(page)
	var frames []int64
	for _, p := range senders {
		in, _ := v.from(rc.video(p))
		frames = append(frames, in.Frames)
	}
	return frames
}

// leave makes every page leave and waits until the conference ended, before the bridges stop: a bridge
// stopped under a live call would send its participants to the other bridge, which is stopping too, and
// meetd's stop would wait for those requests.
func (rc *relayCall) leave() {
	rc.t.Helper()
	for _, p := range rc.all {
		if err := rc.eval(p, "meetdTest.leave()", nil); err != nil {
			rc.t.Fatalf("page %d leave: %v", p, err)
		}
	}
	rc.waitMeetdLog("the conference ended on both bridges", "conference ended", "room="+rc.room+"@")
}

// waitBridgeLog waits for a line of a bridge's log that contains every one of parts.
func waitBridgeLog(t *testing.T, s *session, bridge, what string, parts ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), leaveLimit)
	defer cancel()
	line, err := meetdtest.WaitLine(ctx, func() []string { return s.logs.all(bridge) }, parts...)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	t.Logf("%s: %s", what, line)
}

// TestRelayBuiltinBridge: meetd's built-in bridge and one `meetd bridge` process in region "us" share a
// conference. Page 0 joins while the built-in bridge is the only one, so the conference starts there; the
// external bridge joins the brewery; page 1 (userRegion us) goes to it. The built-in bridge, first in the
// conference, opens the relay channel to the external bridge's self-signed listener, which it trusts
// through [bridges] relay_ca_file; both pages decode each other's video through the relay.
func TestRelayBuiltinBridge(t *testing.T) {
	c2s := freePort(t, "tcp")
	bin := meetdtest.Binary(t)
	// The external bridge's certificate exists before meetd starts: the bridge reuses the one in its
	// state directory when it covers its address.
	state := filepath.Join(t.TempDir(), "state")
	if _, err := web.SelfSigned(state, []string{mediaIP}, time.Now(), slog.New(slog.DiscardHandler)); err != nil {
		t.Fatal(err)
	}
	s := newSessionConfig(t, "[bridges]", fmt.Sprintf("relay_ca_file = %q", filepath.Join(state, web.SelfSignedCertFile)),
		"[turn]", "enabled = false", "[recording]", `enabled = "off"`,
		"[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf("%s:%d", mediaIP, c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	s.regions = map[int]string{1: "us"}
	s.join(0, "builtinrelay")
	s.waitJoined([]int{0})
	startExternalBridgeIn(t, s, bin, bridgePlace{server: fmt.Sprintf("%s:%d", mediaIP, c2s), ip: mediaIP,
		region: "us", state: state}, "jvb-us")
	s.join(1, "builtinrelay")
	pages := []int{0, 1}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	waitBridgeLog(t, s, "jvb-us", "page 1's endpoint on the us bridge", "endpoint created", "endpoint="+ids[1])
	waitBridgeLog(t, s, "jvb-us", "the us bridge's relay connected", "relay connected", "endpoint="+conf.BridgeID)
	waitBridgeLog(t, s, "jvb-us", "the relay channel from the built-in bridge open", "bridge channel open", "endpoint="+conf.BridgeID)
	s.waitMedia(pages)
	s.waitStillDecoding(pages)
	for _, p := range pages {
		if err := s.eval(p, "meetdTest.leave()", nil); err != nil {
			t.Fatalf("page %d leave: %v", p, err)
		}
	}
	s.waitMeetdLog("the conference ended", "conference ended", "room=builtinrelay@")
}
