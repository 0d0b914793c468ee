package load

import (
	"context"
	"meetd/internal/meetdtest"
	"testing"
	"time"
)

// testMeetd runs meetd (internal/meetdtest) on loopback with free ports;
// it returns the https base URL.
func testMeetd(t *testing.T) string {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs meetd")
	}
	// No fixed host ports; the lobby is off (meetdtest's default): every emulated participant enters the room.
	m := meetdtest.Run(t, meetdtest.Config{LogLevel: "warn", Extra: meetdtest.NoFixedPorts()}, meetdtest.Options{})
	return m.URL()
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
