package bridge

import (
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/colibri"
	"meetd/xmpp/ns"
)

// TestGracefulShutdown: after Shutdown the bridge announces
// graceful_shutdown at once, refuses a new conference with the
// graceful-shutdown reason, and keeps serving the running one until its
// last endpoint expires.
func TestGracefulShutdown(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, fc, stop := startBridge(t, "")
	defer stop()
	fc.modify(t, createXML("m1", true, "e1"))
	b.Shutdown()
	deadline := time.After(waitTimeout) // the announcement comes before the 5 s presence tick
	for announced := false; !announced; {
		select {
		case st := <-fc.out:
			for _, s := range st.Child(ns.Colibri, "stats").ChildrenNamed(ns.Colibri, "stat") {
				announced = announced || s.Attr("name") == "graceful_shutdown" && s.Attr("value") == "true"
			}
		case <-deadline:
			t.Fatal("no graceful_shutdown presence")
		}
	}
	checkColibriError(t, fc.iq(t, "get", createXML("m2", true, "x1")), "service-unavailable", colibri.ReasonGracefulShutdown)
	fc.modify(t, createXML("m1", false, "e2")) // the running conference takes a new participant
	if n := b.Conferences(); n != 1 {
		t.Fatalf("conferences %d, want 1", n)
	}
	for _, ep := range []string{"e1", "e2"} {
		fc.modify(t, `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><endpoint id="`+ep+`" expire="true"/></conference-modify>`)
	}
	if n := b.Conferences(); n != 0 || !b.ShuttingDown() {
		t.Fatalf("conferences %d after the last endpoint left (shutting down %v)", n, b.ShuttingDown())
	}
}
