package client

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func dialComponent(t *testing.T, tg target) *Conn {
	t.Helper()
	c, err := DialComponent(ctxTimeout(t), tg.componentConfig())
	if err != nil {
		t.Fatalf("DialComponent: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// testComponentStanzas: IQ from the component to the server, and a
// message from a client to an address in the component's domain arrives
// in the jabber:client namespace the bridge and focus expect.
func testComponentStanzas(t *testing.T, tg target) {
	comp := dialComponent(t, tg)
	if comp.JID() != tg.compDomain {
		t.Fatalf("component JID %q, want %q", comp.JID(), tg.compDomain)
	}
	iq := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("to", tg.serverName)
	iq.AddNew(ns.DiscoInfo, "query")
	r, err := comp.IQ(ctxTimeout(t), iq)
	if err != nil || r.Child(ns.DiscoInfo, "query") == nil {
		t.Fatalf("disco#info from the component: %v %v", r, err)
	}
	user := dial(t, tg.config())
	msg := dom.New(ns.Client, "message").SetAttr("to", "focus@"+tg.compDomain).SetAttr("type", "chat")
	msg.AddNew(ns.Client, "body").SetText("to the component")
	if err := user.Send(ctxTimeout(t), msg); err != nil {
		t.Fatal(err)
	}
	got := recvWhere(t, comp, func(el *dom.Element) bool { return el.Is(ns.Client, "message") })
	if b := got.Child(ns.Client, "body"); b == nil || b.Text != "to the component" || got.Attr("from") != user.JID() {
		t.Fatalf("component received %s", got)
	}
	// And back, from an address inside the component's domain.
	reply := dom.New(ns.Client, "message").SetAttr("to", user.JID()).SetAttr("from", "focus@"+tg.compDomain).SetAttr("type", "chat")
	reply.AddNew(ns.Client, "body").SetText("from the component")
	if err := comp.Send(ctxTimeout(t), reply); err != nil {
		t.Fatal(err)
	}
	back := recvWhere(t, user, func(el *dom.Element) bool { return el.Child(ns.Client, "body") != nil })
	if back.Attr("from") != "focus@"+tg.compDomain || back.Child(ns.Client, "body").Text != "from the component" {
		t.Fatalf("client received %s", back)
	}
}

func testComponentReconnect(t *testing.T, tg target) {
	ctx, cancel := context.WithCancel(ctxTimeout(t))
	connected := make(chan int32, 4)
	var runs atomic.Int32
	done := make(chan error, 1)
	go func() {
		done <- KeepComponent(ctx, tg.componentConfig(), Backoff{Min: 50 * time.Millisecond, Max: time.Second},
			func(ctx context.Context, c *Conn) error {
				connected <- runs.Add(1)
				return nil
			})
	}()
	for want := int32(1); want <= 2; want++ {
		select {
		case n := <-connected:
			if n != want {
				t.Fatalf("callback run %d, want %d", n, want)
			}
		case err := <-done:
			t.Fatalf("KeepComponent returned %v", err)
		case <-time.After(waitTimeout):
			t.Fatalf("callback run %d missing", want)
		}
		if want == 1 {
			tg.kill(t)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("KeepComponent after cancel: %v", err)
	}
}

func testComponentWrongSecret(t *testing.T, tg target) {
	cc := tg.componentConfig()
	cc.Secret = "wrong-password"
	var runs atomic.Int32
	err := KeepComponent(ctxTimeout(t), cc, Backoff{Min: time.Millisecond}, func(context.Context, *Conn) error {
		runs.Add(1)
		return nil
	})
	if !errors.Is(err, ErrAuth) || runs.Load() != 0 {
		t.Fatalf("wrong secret: %v after %d runs, want ErrAuth and none", err, runs.Load())
	}
}
