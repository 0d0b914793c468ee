package xmpp

import (
	"fmt"
	"io"
	"net"
	"runtime"
	"strings"
	"testing"
	"time"
)

// TestPreAuthAtScale covers docs/bad-input.md#x9 at scale: 1,000 TCP
// connections from 50 addresses that never log in are all held until the
// pre-auth timeout and then closed with connection-timeout; a session
// logged in meanwhile is served throughout, and the server's goroutines
// return to where they were.
func TestPreAuthAtScale(t *testing.T) {
	leakCheck(t)
	const conns, addrs = 1000, 50
	env := newEnv(t, func(c *Config) { c.PreAuthTimeout = 3 * time.Second })
	serverTLS, _ := testTLS(t)
	addr := env.listenC2S(serverTLS)
	bystander := env.dial()
	bystander.login()
	baseline := runtime.NumGoroutine()
	var open []net.Conn
	defer func() {
		for _, c := range open {
			_ = c.Close()
		}
	}()
	for i := 0; i < conns; i++ {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(fmt.Sprintf("127.0.4.%d", 1+i%addrs))}, Timeout: waitTimeout}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		open = append(open, c)
	}
	waitFor(t, "1,000 pre-auth streams", func() bool { return env.srv.Stats().PreAuth == conns })
	bystander.ping("during")
	for i, c := range open {
		_ = c.SetReadDeadline(time.Now().Add(waitTimeout))
		b, err := io.ReadAll(c)
		if err == nil && !strings.Contains(string(b), "connection-timeout") {
			t.Fatalf("connection %d ended without connection-timeout: %q", i, b)
		} else if err != nil {
			t.Fatalf("connection %d not closed: %v", i, err)
		}
	}
	waitFor(t, "no pre-auth stream left", func() bool { return env.srv.Stats().PreAuth == 0 })
	bystander.ping("after")
	waitFor(t, "goroutines back to the baseline", func() bool { return runtime.NumGoroutine() <= baseline+5 })
}
