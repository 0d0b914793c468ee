package xmpp

import (
	"context"
	"errors"
	"io"
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func TestQueueOverflowEndsSession(t *testing.T) {
	s := &session{jid: jid.MustParse("a@localhost/r"), q: newQueue(2)}
	for i := 0; i < 3; i++ {
		push(s, dom.New(ns.Client, "message"))
	}
	if r := s.q.closeReason(); r != condPolicyViolation {
		t.Fatalf("close reason %q, want %s", r, condPolicyViolation)
	}
	if _, err := s.q.pop(context.Background()); !errors.Is(err, io.EOF) {
		t.Fatalf("pop after overflow: %v", err)
	}
	if !s.q.push(dom.New(ns.Client, "message")) {
		t.Fatal("push to a closed queue must be a silent drop")
	}
}

func TestQueueOrder(t *testing.T) {
	q := newQueue(0)
	for _, id := range []string{"1", "2", "3"} {
		q.push(dom.New(ns.Client, "iq").SetAttr("id", id))
	}
	for _, want := range []string{"1", "2", "3"} {
		e, err := q.pop(context.Background())
		if err != nil || e.Attr("id") != want {
			t.Fatalf("pop = %v, %v; want id %s", e, err, want)
		}
	}
}

func TestServerCloseEndsStreams(t *testing.T) {
	env := newEnv(t)
	c := env.dial()
	c.login()
	_ = env.srv.Close()
	if got := c.expectStreamError(); got != condSystemShutdown {
		t.Fatalf("stream error %q, want %s", got, condSystemShutdown)
	}
}
