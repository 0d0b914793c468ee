package xmpp

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"meetd/xmpp/ns"
)

// TestConnectionCapAndPreAuth covers docs/bad-input.md#x9: connections
// that never log in are closed at the pre-auth timeout, and one address
// cannot hold more than its cap; other addresses are unaffected.
func TestConnectionCapAndPreAuth(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, func(c *Config) {
		c.Limits.ConnsPerIP = 3
		c.PreAuthTimeout = 500 * time.Millisecond
	})
	var idle []*wsClient
	for i := 0; i < 3; i++ {
		c, code := env.dialQ("", "127.0.0.1")
		if c == nil {
			t.Fatalf("connection %d refused: %d", i, code)
		}
		idle = append(idle, c)
	}
	if c, code := env.dialQ("", "127.0.0.1"); c != nil || code != http.StatusTooManyRequests {
		t.Fatalf("4th connection from one address: %d", code)
	}
	other, code := env.dialQ("", "127.0.0.2")
	if other == nil {
		t.Fatalf("another address refused: %d", code)
	}
	other.login()
	for _, c := range idle {
		if cond := c.expectStreamError(); cond != "connection-timeout" {
			t.Fatalf("idle connection: %q", cond)
		}
	}
	waitFor(t, "slots released", func() bool {
		c, _ := env.dialQ("", "127.0.0.1")
		if c != nil {
			_ = c.conn.Close()
		}
		return c != nil
	})
	other.ping("alive")
}

// TestLoginRate covers docs/bad-input.md#t6: a login burst from one address runs into
// the login limit; sessions already logged in and other addresses are
// unaffected.
func TestLoginRate(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, func(c *Config) { c.Limits.LoginsPerMinute = 10 })
	bystander, _ := env.dialQ("", "127.0.0.1")
	bystander.login()
	refused := 0
	for i := 0; i < 30; i++ {
		c, _ := env.dialQ("", "127.0.0.1")
		c.openStream("localhost")
		e := c.auth("ANONYMOUS", nil)
		if _, text := failureText(e); text == textTooManyLogins {
			refused++
		} else if !e.Is(ns.SASL, "success") {
			t.Fatalf("login %d: %s", i, e)
		}
		_ = c.conn.Close()
	}
	if refused < 19 {
		t.Fatalf("only %d of 30 logins refused with a budget of 10", refused)
	}
	bystander.ping("alive")
	c, _ := env.dialQ("", "127.0.0.3")
	c.login()
}

// TestStanzaThrottle covers docs/bad-input.md#x8: a flood of IQs is read at the
// session's rate, while another session is served at once.
func TestStanzaThrottle(t *testing.T) {
	leakCheck(t)
	const rate, burst, flood = 50, 20, 400
	env := newEnv(t, func(c *Config) { c.Limits.StanzaRate, c.Limits.StanzaBurst = rate, burst })
	flooder, other := env.dial(), env.dial()
	flooder.login()
	other.login()
	start := time.Now()
	for i := 0; i < flood; i++ {
		flooder.send(fmt.Sprintf(`<iq xmlns="jabber:client" type="get" to="localhost" id="f%d"><ping xmlns="urn:xmpp:ping"/></iq>`, i))
	}
	other.ping("served")
	answered := 0
	deadline := time.Now().Add(300 * time.Millisecond)
	for time.Now().Before(deadline) {
		_ = flooder.conn.SetReadDeadline(deadline)
		if _, _, err := flooder.conn.ReadMessage(); err != nil {
			break
		}
		answered++
	}
	elapsed := time.Since(start).Seconds()
	if max := burst + int(rate*elapsed) + 5; answered > max {
		t.Fatalf("%d answers in %.2fs, the throttle allows at most %d", answered, elapsed, max)
	}
	if answered == 0 {
		t.Fatal("flooder got no answers at all")
	}
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	for end := time.Now().Add(waitTimeout); time.Now().Before(end); time.Sleep(50 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}
