package xmpp

import (
	"context"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
)

// FuzzRouteJID: any `to` a client may send is parsed and routed without a
// panic; a JID that parses survives its string form (the router keys its
// tables by it), and the sender gets at most a bounce back.
func FuzzRouteJID(f *testing.F) {
	for _, s := range []string{
		"localhost", "a@localhost/r", "room1@conference.localhost/nick", "focus.localhost",
		"a@b@c", "@localhost", "localhost/", "user@[::1]/res", "ÄÖ@localhost/ü", "a@localhost/a/b/c",
	} {
		f.Add(s)
	}
	srv, err := NewServer(testConfig())
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = srv.Close() })
	sender, err := srv.Attach(context.Background(), "fuzz@auth.localhost/x")
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, to string) {
		if j, err := parseAddr(to); err == nil {
			again, err := jid.Parse(j.String())
			if err != nil || !again.Equal(j) || again.Bare().String() != j.Bare().String() {
				t.Fatalf("%q parses to %q, which does not parse back the same (%v)", to, j, err)
			}
		}
		msg := dom.New("jabber:client", "message").SetAttr("to", to).SetAttr("type", "chat")
		msg.AddNew("jabber:client", "body").SetText("x")
		if err := sender.Send(context.Background(), msg); err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
		defer cancel()
		for n := 0; ; n++ {
			if _, err := sender.Recv(ctx); err != nil {
				break
			}
			if n > 1 {
				t.Fatalf("more than one reply to a message for %q", to)
			}
		}
	})
}
