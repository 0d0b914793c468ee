package bridge

import (
	"context"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/pion/ice/v4"
)

// TestTransportLost: an endpoint whose agent stays disconnected for
// transportLostAfter after media started is reported once; one that
// reconnects in time, or never had media, is not.
func TestTransportLost(t *testing.T) {
	for _, tc := range []struct {
		name    string
		media   bool
		states  []ice.ConnectionState // applied in order, 10 ms apart
		reports int
	}{
		{"silent", true, []ice.ConnectionState{ice.ConnectionStateDisconnected}, 1},
		{"silent then failed", true, []ice.ConnectionState{ice.ConnectionStateDisconnected, ice.ConnectionStateFailed}, 1},
		{"back in time", true, []ice.ConnectionState{ice.ConnectionStateDisconnected, ice.ConnectionStateConnected}, 0},
		{"no media yet", false, []ice.ConnectionState{ice.ConnectionStateDisconnected}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var mu sync.Mutex
			var got []string
			e := &endpoint{id: "ep1", conf: &conference{name: "room@muc", meetingID: "m1"},
				log: slog.New(slog.DiscardHandler)}
			e.b = &Bridge{}
			e.b.SetTransportLost(func(room, meeting, ep string) {
				mu.Lock()
				defer mu.Unlock()
				got = append(got, room+" "+meeting+" "+ep)
			})
			e.ctx, e.cancel = context.WithCancel(context.Background())
			defer e.cancel()
			e.srtpReady.Store(tc.media)
			count := func() int { mu.Lock(); defer mu.Unlock(); return len(got) }
			// settle waits for want reports (generously), then a while longer for any extra one.
			settle := func(want int) {
				for deadline := time.Now().Add(10 * transportLostAfter); count() < want && time.Now().Before(deadline); {
					time.Sleep(50 * time.Millisecond)
				}
				time.Sleep(transportLostAfter + 500*time.Millisecond)
				if n := count(); n != want {
					t.Fatalf("reports %q, want %d", got, want)
				}
			}
			for _, s := range tc.states {
				e.watchTransport(s)
				time.Sleep(10 * time.Millisecond)
			}
			settle(tc.reports)
			e.watchTransport(ice.ConnectionStateDisconnected) // a later outage
			want := tc.reports
			if tc.media && want == 0 {
				want = 1 // now reported
			}
			settle(want) // never twice for one endpoint
			if want > 0 && got[0] != "room@muc m1 ep1" {
				t.Errorf("report %q", got[0])
			}
		})
	}
}
