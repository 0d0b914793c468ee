package bridge

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestInactiveConferenceExpires (docs/reliability.md F4): a conference whose
// endpoints never get a connected pair — their focus went away before the
// clients connected, as when meetd restarts while this bridge runs on — is
// removed by the bridge itself after the inactivity time, with no focus
// expiring it; its endpoints are closed (goleak).
func TestInactiveConferenceExpires(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, fc, stop := startBridge(t, "")
	defer stop()
	b.inactiveAfter.Store(int64(time.Second))
	fc.modify(t, createXML("m1", true, "e1", "e2"))
	if n := b.Conferences(); n != 1 {
		t.Fatalf("conferences %d, want 1", n)
	}
	deadline := time.After(waitTimeout)
	for b.Conferences() != 0 {
		select {
		case <-fc.out: // presences; the sweep runs on their tick
		case <-deadline:
			t.Fatalf("the inactive conference is still there after %v", waitTimeout)
		}
	}
}

// TestActiveConferenceKept: with the same short inactivity time, a
// conference whose two endpoints are connected is kept across several
// sweeps, media still flows, and a third endpoint that never connects
// does not make it inactive.
func TestActiveConferenceKept(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(nil)
	defer srv.Close()
	b, fc, stop := startBridge(t, "ws://"+srv.Listener.Addr().String()+"/colibri-ws/jvb1")
	srv.Config.Handler = http.StripPrefix("", b.WebSocketHandler())
	defer stop()
	b.inactiveAfter.Store(int64(time.Second))
	c := startCall(t, b, fc, 2, false)
	defer c.stop()
	c.waitMediaBetweenAll()
	fc.modify(t, createXML(c.meeting, false, "never"))
	for sweeps := 0; sweeps < 3; {
		select {
		case <-fc.out:
			sweeps++
		case <-time.After(waitTimeout):
			t.Fatal("no presence tick")
		}
	}
	if n := b.Conferences(); n != 1 {
		t.Fatalf("conferences %d after three sweeps, want the active one kept", n)
	}
	c.waitMediaBetweenAll()
}
