package xmpp

import (
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"meetd/internal/syncbuf"
)

func withLog(buf *syncbuf.Buffer) func(*Config) {
	return func(c *Config) {
		c.Logger = slog.New(slog.NewTextHandler(buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
}

// TestIPTableFullAdmitsNewAddress is issue 11 defect 1: pre-auth streams
// from more distinct addresses than the per-IP table holds used to fill it,
// and every new address was refused (HTTP 429) silently. Now the new
// address is served, and the full table is counted and logged.
func TestIPTableFullAdmitsNewAddress(t *testing.T) {
	leakCheck(t)
	var logs syncbuf.Buffer
	env := newEnv(t, withLog(&logs))
	const size = 20
	env.srv.login.ips.max = size
	for i := 1; i <= size+5; i++ {
		if c, code := env.dialQ("", fmt.Sprintf("127.0.1.%d", i)); c == nil {
			t.Fatalf("address %d refused: %d", i, code)
		}
	}
	c, code := env.dialQ("", "127.0.2.1")
	if c == nil {
		t.Fatalf("new address refused once the table is full: HTTP %d", code)
	}
	c.login()
	c.ping("alive")
	if n := env.srv.Stats().IPTableFull; n == 0 {
		t.Fatal("full table not counted")
	}
	if !strings.Contains(logs.String(), "per-IP table full") {
		t.Fatalf("full table not logged:\n%s", logs.String())
	}
}

// TestPreAuthEviction: beyond Limits.PreAuthStreams the oldest pre-auth
// stream of the address holding the most goes (resource-constraint), a
// newcomer from another address is admitted and logs in, a bound session
// is unaffected, and the eviction is counted and logged.
func TestPreAuthEviction(t *testing.T) {
	leakCheck(t)
	var logs syncbuf.Buffer
	env := newEnv(t, withLog(&logs), func(c *Config) { c.Limits.PreAuthStreams = 5 })
	bystander, _ := env.dialQ("", "127.0.3.50")
	bystander.login()
	lone, _ := env.dialQ("", "127.0.3.2") // the oldest stream, but alone on its address
	// The server registers a stream in its own goroutine, after the dial
	// returns: wait for each, so that admission order is dial order and
	// flood[0] is the oldest of its address.
	waitFor(t, "1 pre-auth stream", func() bool { return env.srv.Stats().PreAuth == 1 })
	var flood []*wsClient
	for i := 0; i < 4; i++ {
		c, code := env.dialQ("", "127.0.3.1")
		if c == nil {
			t.Fatalf("flood stream %d refused: %d", i, code)
		}
		flood = append(flood, c)
		waitFor(t, "the flood stream registered", func() bool { return env.srv.Stats().PreAuth == 2+i })
	}
	newcomer, code := env.dialQ("", "127.0.3.9")
	if newcomer == nil {
		t.Fatalf("newcomer refused: %d", code)
	}
	if cond := flood[0].expectStreamError(); cond != condResourceConstraint {
		t.Fatalf("oldest flood stream: %q, want %s", cond, condResourceConstraint)
	}
	newcomer.login()
	lone.login() // the lone address's stream was spared although older
	bystander.ping("alive")
	waitFor(t, "3 pre-auth streams", func() bool { return env.srv.Stats().PreAuth == 3 })
	st := env.srv.Stats()
	if st.PreAuthEvicted != 1 || st.PreAuth != 3 {
		t.Fatalf("evicted %d (want 1), pre-auth %d (want 3)", st.PreAuthEvicted, st.PreAuth)
	}
	if !strings.Contains(logs.String(), "pre-auth stream evicted") {
		t.Fatalf("eviction not logged:\n%s", logs.String())
	}
}

// TestIPv6CountedPerPrefix: an IPv6 /64 is one address for the per-IP
// caps, so a host cannot multiply its share by cycling interface IDs.
func TestIPv6CountedPerPrefix(t *testing.T) {
	var logs syncbuf.Buffer
	tab := newIPTable(Limits{ConnsPerIP: 3}, slog.New(slog.NewTextHandler(&logs, nil)))
	for _, ip := range []string{"2001:db8::1", "2001:db8::2", "2001:db8::ffff:1"} {
		if !tab.acquire(ip) {
			t.Fatalf("%s refused below the cap", ip)
		}
	}
	if tab.acquire("2001:db8::abcd:ef01:2345:6789") {
		t.Fatal("4th address of one /64 admitted over the cap of 3")
	}
	if !tab.acquire("2001:db8:0:1::1") || !tab.acquire("192.0.2.1") {
		t.Fatal("another /64 or IPv4 address refused")
	}
	if tab.refusedConns.Load() != 1 || !strings.Contains(logs.String(), "addr=2001:db8::/64") {
		t.Fatalf("refusal not counted or logged: %d\n%s", tab.refusedConns.Load(), logs.String())
	}
	tab.release("2001:db8::2")
	if !tab.acquire("2001:db8::9") {
		t.Fatal("slot of the /64 not released")
	}
}

func TestIPKey(t *testing.T) {
	for in, want := range map[string]string{
		"192.0.2.7": "192.0.2.7", "::ffff:192.0.2.7": "192.0.2.7",
		"2001:db8:1:2:3:4:5:6": "2001:db8:1:2::/64", "fe80::1%eth0": "fe80::/64", "junk": "junk",
	} {
		t.Run(in, func(t *testing.T) {
			if got := ipKey(in); got != want {
				t.Fatalf("ipKey(%q) = %q, want %q", in, got, want)
			}
		})
	}
}
