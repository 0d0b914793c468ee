package e2e

import (
	"context"
	"fmt"
	"path/filepath"
	"testing"
	"time"

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
	s := newSessionConfig(t, "[bridges]", "builtin = false", "[turn]", "enabled = false",
		"[recording]", `enabled = "off"`, "[xmpp]", fmt.Sprintf("c2s_listen = %q", fmt.Sprintf("%s:%d", mediaIP, c2s)),
		accountEntry(t, bin, bridgeJID, bridgePassword))
	// The bridge first in the conference (eu, page 0 joins first) opens the relay channel to the other
	// one and must trust its self-signed certificate.
	here := bridgePlace{server: fmt.Sprintf("%s:%d", mediaIP, c2s), ip: mediaIP, region: "us"}
	us := startExternalBridgeIn(t, s, bin, here, "jvb-us")
	here.region, here.http = "eu", []string{fmt.Sprintf("relay_ca_file = %q", filepath.Join(us.state, web.SelfSignedCertFile))}
	startExternalBridgeIn(t, s, bin, here, "jvb-eu")
	s.regions = map[int]string{0: "eu", 1: "us"}
	s.join(0, "relayed")
	s.waitJoined([]int{0})
	s.join(1, "relayed")
	pages := []int{0, 1}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	waitBridgeLog(t, s, "jvb-eu", "page 0's endpoint on the eu bridge", "endpoint created", "endpoint="+ids[0])
	waitBridgeLog(t, s, "jvb-us", "page 1's endpoint on the us bridge", "endpoint created", "endpoint="+ids[1])
	waitBridgeLog(t, s, "jvb-eu", "the eu bridge's relay connected", "relay connected", "endpoint=jvb-us")
	waitBridgeLog(t, s, "jvb-us", "the us bridge's relay connected", "relay connected", "endpoint=jvb-eu")
	waitBridgeLog(t, s, "jvb-us", "the relay channel open", "bridge channel open", "endpoint=jvb-eu")
	s.waitMedia(pages)
	s.waitStillDecoding(pages)
	t.Run("dominant speaker across the relay", func(t *testing.T) {
		// Each bridge decides from every participant's audio levels, the remote ones arriving over the
		// relay: the only unmuted page becomes dominant speaker on the page of the other bridge.
		q := &quality{session: s, all: pages, ids: ids}
		for _, speaker := range []int{1, 0} {
			for _, p := range pages {
				q.setAudioMuted(p, p != speaker)
			}
			start := time.Now()
			q.waitDominant(speaker)
			t.Logf("page %d dominant speaker on the other bridge's page after %v", speaker, time.Since(start).Round(10*time.Millisecond))
		}
	})
	// Both leave before the bridges stop: a bridge stopped under a live call would send its participants to
	// the other bridge, which is stopping too, and meetd's stop would wait for those requests.
	for _, p := range pages {
		if err := s.eval(p, "meetdTest.leave()", nil); err != nil {
			t.Fatalf("page %d leave: %v", p, err)
		}
	}
	s.waitMeetdLog("the conference ended on both bridges", "conference ended", "room=relayed@")
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
