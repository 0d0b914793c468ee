package client

import (
	"context"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// Conn must fit where the bridge and the focus take their XMPP session.
var _ interface {
	JID() string
	Send(ctx context.Context, st *dom.Element) error
	Recv(ctx context.Context) (*dom.Element, error)
} = (*Conn)(nil)

func TestMeetdServer(t *testing.T) {
	runScenarios(t, startMeetd(t))
}

// runScenarios exercises one server: the same list for meetd and Prosody.
func runScenarios(t *testing.T, tg target) {
	tg.logs = &syncBuffer{}
	defer func() {
		logs := tg.logs.String()
		if strings.Contains(logs, tg.password) || strings.Contains(logs, tg.compSecret) || strings.Contains(logs, "wrong-password") {
			t.Errorf("a password is in the logs:\n%s", logs)
		}
		if !strings.Contains(logs, "xmpp client connected") {
			t.Errorf("nothing logged:\n%s", logs)
		}
	}()
	for _, tc := range []struct {
		name string
		run  func(t *testing.T, tg target)
	}{
		{"LoginDiscoIQ", testLoginDisco},
		{"IQDeadline", testIQDeadline},
		{"MUCJoin", testMUCJoin},
		{"Reconnect", testReconnect},
		{"WrongPassword", testWrongPassword},
		{"UntrustedCertificate", testUntrusted},
		{"ComponentStanzas", testComponentStanzas},
		{"ComponentReconnect", testComponentReconnect},
		{"ComponentWrongSecret", testComponentWrongSecret},
		{"BridgeRun", testBridgeRun},
	} {
		t.Run(tc.name, func(t *testing.T) { tc.run(t, tg) })
	}
}

func dial(t *testing.T, cfg Config) *Conn {
	t.Helper()
	c, err := Dial(ctxTimeout(t), cfg)
	if err != nil {
		t.Fatalf("Dial: %v", err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func testLoginDisco(t *testing.T, tg target) {
	c := dial(t, tg.config())
	j := jid.MustParse(c.JID())
	if j.Bare().String() != tg.jid || j.Resourcepart() == "" {
		t.Fatalf("bound %q, want a full JID of %s", c.JID(), tg.jid)
	}
	t.Logf("logged in as %s with %s", c.JID(), c.Mechanism())
	if tg.mechanism != "" && c.Mechanism() != tg.mechanism {
		t.Fatalf("mechanism %s, want %s", c.Mechanism(), tg.mechanism)
	}
	domain := j.Domainpart()
	iq := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("to", domain)
	iq.AddNew(ns.DiscoInfo, "query")
	r, err := c.IQ(ctxTimeout(t), iq)
	if err != nil {
		t.Fatalf("disco#info: %v", err)
	}
	q := r.Child(ns.DiscoInfo, "query")
	if q == nil || len(q.ChildrenNamed(ns.DiscoInfo, "identity")) == 0 {
		t.Fatalf("disco#info result without identity: %s", r)
	}
	// An IQ the server cannot route comes back as an error, not a hang.
	bad := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("to", domain)
	bad.AddNew("urn:example:unknown", "query")
	if _, err := c.IQ(ctxTimeout(t), bad); !errors.Is(err, ErrIQ) {
		t.Fatalf("unknown query: err %v, want ErrIQ", err)
	}
}

// testIQDeadline: an IQ to a peer that never answers ends with ctx.
func testIQDeadline(t *testing.T, tg target) {
	a := dial(t, tg.config())
	cfg := tg.config()
	cfg.Resource = "silent"
	b := dial(t, cfg)
	iq := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("to", b.JID())
	iq.AddNew(ns.Ping, "ping")
	ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
	defer cancel()
	if _, err := a.IQ(ctx, iq); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("IQ to a silent peer: %v, want deadline exceeded", err)
	}
	// b did receive it through Recv (requests are not swallowed).
	got := recvWhere(t, b, func(el *dom.Element) bool { return el.Child(ns.Ping, "ping") != nil })
	if got.Attr("from") != a.JID() {
		t.Fatalf("ping from %q, want %q", got.Attr("from"), a.JID())
	}
}

func recvWhere(t *testing.T, c *Conn, pred func(*dom.Element) bool) *dom.Element {
	t.Helper()
	ctx := ctxTimeout(t)
	for {
		el, err := c.Recv(ctx)
		if err != nil {
			t.Fatalf("Recv: %v", err)
		}
		if pred(el) {
			return el
		}
	}
}

// joinRoom sends MUC presence and waits for the self-presence (status 110).
func joinRoom(ctx context.Context, c *Conn, room, nick string) error {
	p := dom.New(ns.Client, "presence").SetAttr("to", room+"/"+nick)
	p.AddNew(ns.MUC, "x")
	if err := c.Send(ctx, p); err != nil {
		return err
	}
	for {
		el, err := c.Recv(ctx)
		if err != nil {
			return err
		}
		if !el.Is(ns.Client, "presence") || !strings.HasPrefix(el.Attr("from"), room+"/") {
			continue
		}
		if el.Attr("type") == "error" {
			return errors.New("join refused: " + el.String())
		}
		if x := el.Child(ns.MUCUser, "x"); x != nil {
			for _, s := range x.ChildrenNamed(ns.MUCUser, "status") {
				if s.Attr("code") == "110" {
					return nil
				}
			}
		}
	}
}

func testMUCJoin(t *testing.T, tg target) {
	c := dial(t, tg.config())
	if err := joinRoom(ctxTimeout(t), c, tg.room, "jvb-1"); err != nil {
		t.Fatalf("join %s: %v", tg.room, err)
	}
	msg := dom.New(ns.Client, "message").SetAttr("to", tg.room).SetAttr("type", "groupchat")
	msg.AddNew(ns.Client, "body").SetText("hello room")
	if err := c.Send(ctxTimeout(t), msg); err != nil {
		t.Fatal(err)
	}
	got := recvWhere(t, c, func(el *dom.Element) bool { return el.Child(ns.Client, "body") != nil })
	if got.Attr("from") != tg.room+"/jvb-1" || got.Child(ns.Client, "body").Text != "hello room" {
		t.Fatalf("groupchat echo %s", got)
	}
}

// testReconnect: the server drops the connection; Keep dials again and the
// callback (which joins the room) runs again.
func testReconnect(t *testing.T, tg target) {
	ctx, cancel := context.WithCancel(ctxTimeout(t))
	var runs atomic.Int32
	joined := make(chan int32, 4)
	done := make(chan error, 1)
	b := Backoff{Min: 50 * time.Millisecond, Max: time.Second}
	go func() {
		done <- Keep(ctx, tg.config(), b, func(ctx context.Context, c *Conn) error {
			n := runs.Add(1)
			if err := joinRoom(ctx, c, tg.room, "keeper"); err != nil {
				return err
			}
			joined <- n
			return nil
		})
	}()
	for want := int32(1); want <= 2; want++ {
		select {
		case n := <-joined:
			if n < want {
				t.Fatalf("callback run %d, want %d", n, want)
			}
		case err := <-done:
			t.Fatalf("Keep returned %v", err)
		case <-time.After(waitTimeout):
			t.Fatalf("callback run %d did not join", want)
		}
		if want == 1 {
			tg.kill(t)
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Keep after cancel: %v", err)
	}
}

func testWrongPassword(t *testing.T, tg target) {
	cfg := tg.config()
	cfg.Password = "wrong-password"
	var runs atomic.Int32
	start := time.Now()
	err := Keep(ctxTimeout(t), cfg, Backoff{Min: time.Millisecond}, func(context.Context, *Conn) error {
		runs.Add(1)
		return nil
	})
	if !errors.Is(err, ErrAuth) {
		t.Fatalf("Keep with a wrong password: %v, want ErrAuth", err)
	}
	if strings.Contains(err.Error(), "wrong-password") {
		t.Fatalf("error shows the password: %v", err)
	}
	if runs.Load() != 0 {
		t.Fatalf("callback ran %d times", runs.Load())
	}
	t.Logf("refused after %v: %v", time.Since(start), err)
}

func testUntrusted(t *testing.T, tg target) {
	cfg := tg.config()
	cfg.RootCAs = nil // system roots do not know the self-signed certificate
	_, err := Dial(ctxTimeout(t), cfg)
	if err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Fatalf("Dial with an untrusted certificate: %v", err)
	}
}
