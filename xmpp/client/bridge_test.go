package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"meetd/bridge"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// testBridgeRun runs the real bridge.Run over the network client (Conn
// satisfies bridge.Conn unchanged): an observer in the brewery sees the
// bridge's stats presence, gets its health-check answered, and sees it
// rejoin after the server dropped the bridge's connection.
func testBridgeRun(t *testing.T, tg target) {
	b, err := bridge.New(bridge.Config{ID: "jvb-net", UDPListen: "127.0.0.1:0", BreweryRoom: tg.room})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	observer := dial(t, tg.config())
	if err := joinRoom(ctxTimeout(t), observer, tg.room, "observer"); err != nil {
		t.Fatal(err)
	}
	cfg := tg.config()
	cfg.Resource = "bridge"
	ctx, cancel := context.WithCancel(ctxTimeout(t))
	var runs atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- Keep(ctx, cfg, Backoff{Min: 50 * time.Millisecond, Max: time.Second}, func(ctx context.Context, c *Conn) error {
			runs.Add(1)
			return b.Run(ctx, c)
		})
	}()
	for round := int32(1); round <= 2; round++ {
		waitFor(t, func() bool { return runs.Load() >= round })
		p := recvWhere(t, observer, func(el *dom.Element) bool {
			return el.Is(ns.Client, "presence") && el.Attr("from") == tg.room+"/jvb-net" &&
				el.Attr("type") == "" && el.Child(ns.Colibri, "stats") != nil
		})
		t.Logf("round %d: bridge presence with %d stats", round, len(p.Child(ns.Colibri, "stats").Children))
		hc := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("to", tg.jid+"/bridge")
		hc.AddNew("http://jitsi.org/protocol/healthcheck", "healthcheck")
		if _, err := observer.IQ(ctxTimeout(t), hc); err != nil {
			t.Fatalf("round %d: health check over the network: %v", round, err)
		}
		if round == 1 {
			tg.kill(t) // drops the observer too: it comes back to watch
			_ = observer.Close()
			observer = dial(t, tg.config())
			if err := joinRoom(ctxTimeout(t), observer, tg.room, "observer"); err != nil {
				t.Fatal(err)
			}
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Keep: %v", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met in time")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
