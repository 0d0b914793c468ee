package e2e

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestBrowserHarness proves the harness without meetd: the page loads jQuery and lib-jitsi-meet, the library
// initialises, fake camera and microphone tracks are created, media between two in-page peer connections is
// decoded (over the namespace's veth addresses), the stats summary reads it, and console lines reach the test.
func TestBrowserHarness(t *testing.T) {
	tl := requireBrowser(t)
	logs := newLogBook()
	d := startDriver(t, tl, logs)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := d.open(ctx, 0, servePage(t, tl)); err != nil {
		t.Fatal(err)
	}
	var info struct {
		Version string `json:"version"`
		WebRTC  bool   `json:"webrtc"`
		JQuery  string `json:"jquery"`
	}
	if err := d.eval(ctx, 0, "meetdTest.init()", &info); err != nil {
		t.Fatal(err)
	}
	if !info.WebRTC || info.JQuery != "function" || info.Version == "" {
		t.Fatalf("library not usable: %+v", info)
	}
	var kinds []string
	if err := d.eval(ctx, 0, "meetdTest.createTracks()", &kinds); err != nil {
		t.Fatal(err)
	}
	if slices.Sort(kinds); !slices.Equal(kinds, []string{"audio", "video"}) {
		t.Fatalf("fake tracks: got %v, want audio and video", kinds)
	}
	var none *pcStats
	if err := d.eval(ctx, 0, "meetdTest.stats()", &none); err != nil || none != nil {
		t.Fatalf("stats before joining: %v, %v; want null", none, err)
	}
	var ps pcStats
	if err := d.eval(ctx, 0, "meetdTest.loopbackStats(60000)", &ps); err != nil {
		t.Fatal(err)
	}
	if ps.videoDecoding(minFrames) < 1 || sum(ps.audioBytes()) == 0 {
		t.Fatalf("in-page loopback call: %+v", ps)
	}
	if !strings.Contains(logs.tail(pageLog(0), 1000), "meetdTest: initialised") {
		t.Fatal("no console lines from the page reached the test")
	}
	t.Logf("lib-jitsi-meet %s; loopback inbound %+v; %d console lines", info.Version, ps.Inbound, len(logs.all(pageLog(0))))
}

func sum(m map[uint32]int64) int64 {
	var n int64
	for _, v := range m {
		n += v
	}
	return n
}
