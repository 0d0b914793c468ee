package load

import (
	"context"
	"testing"
	"time"
)

// TestSVCAgainstMeetd runs SVC publishers (VP9 with its payload
// descriptor, AV1 with the dependency descriptor) through a real meetd
// whose receivers ask for 180p: the bridge must forward spatial layer 0
// only (one packet per delta picture of the 13 sent) with contiguous
// sequence numbers.
func TestSVCAgainstMeetd(t *testing.T) {
	for _, tc := range []struct {
		name string
		av1  bool
	}{{"vp9", false}, {"av1", true}} {
		t.Run(tc.name, func(t *testing.T) { testSVCAgainstMeetd(t, tc.av1) })
	}
}

func testSVCAgainstMeetd(t *testing.T, av1 bool) {
	url := testMeetd(t)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	const n = 3
	l, err := Start(ctx, Config{URL: url, Endpoints: n, Senders: n, Probes: 1, SVC: true, AV1: av1,
		KeyframeInterval: time.Second, JoinInterval: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if failed := l.Wait(ctx); len(failed) > 0 {
		t.Fatalf("joins failed: %v", failed)
	}
	time.Sleep(2 * time.Second) // keyframes after PLI, first feedback
	a := l.Snapshot()
	time.Sleep(3 * time.Second)
	b := l.Snapshot()
	w := Diff(a, b)
	secs := w.Duration.Seconds()
	pairs := float64(n * (n - 1))
	// Spatial layer 0: 150 kbit/s, one packet per delta picture at 30 fps;
	// all three layers would be 13 packets and 3.15 Mbit/s a picture.
	// (Audio is left out: the bridge drops the silent part of it.)
	wantPPS := pairs * 30
	mediaPPS := float64(w.MediaPackets()-(b.AudioReceived-a.AudioReceived)) / secs
	sentPPS := float64(w.SentPackets) / secs
	rxBits := 8 * float64(w.ReceivedBytes) / secs
	t.Logf("media %.0f pps (video; want ≈ %.0f), sent %.0f pps, received %.0f bit/s, loss %.3f", mediaPPS, wantPPS, sentPPS, rxBits, w.LossRatio())
	checks := []struct {
		name string
		ok   bool
	}{
		{"srtp profile is GCM", l.Profile() == "AEAD_AES_128_GCM"},
		{"all connected", l.Connected() == n},
		{"senders sent all layers", sentPPS > float64(n)*(30*10)},
		// Bounds are loose (two shared cores) but exclude layer 1 (×3 pps).
		{"only spatial layer 0 forwarded (pps)", mediaPPS > 0.6*wantPPS && mediaPPS < 1.5*wantPPS},
		{"only spatial layer 0 forwarded (bitrate)", rxBits > 0.5*pairs*150_000 && rxBits < pairs*400_000},
		{"sequence numbers contiguous after dropping", w.Expected > 0 && w.LossRatio() < 0.1},
		{"every endpoint saw a whole keyframe", len(l.JoinStats().Stages[StageKeyframe]) == n},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("media %.0f pps (video; want ≈ %.0f), sent %.0f pps, received %.0f bit/s; window %+v, totals %+v",
					mediaPPS, wantPPS, sentPPS, rxBits, w, *b)
			}
		})
	}
}
