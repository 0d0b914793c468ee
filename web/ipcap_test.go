package web

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// TestPerIPCap covers docs/bad-input.md#t1 "cap per IP": slow-header
// connections from 127.0.0.1 fill the cap, further ones from it are closed
// before the TLS handshake, a request from 127.0.0.2 is served meanwhile,
// 127.0.0.1 is served again once its connections close, and no goroutine
// outlives the server.
func TestPerIPCap(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, baseline) }) // after the server's own cleanup
	const limit, attackers = 4, 12
	cfg := testConfig(t)
	cfg.HTTP.ConnectionsPerIP = limit
	s := newTestServer(t, cfg, Options{})
	s.http.ReadHeaderTimeout = time.Minute // the slow clients stay for the whole test
	addr := serveTest(t, s)

	var slow []net.Conn
	handshakes := 0
	for range attackers {
		c, err := slowClient(addr)
		if err == nil {
			handshakes++
			slow = append(slow, c)
		}
	}
	if handshakes != limit {
		t.Errorf("%d of %d slow connections from one address got through the TLS handshake, want the cap %d", handshakes, attackers, limit)
	}
	if err := fetch(addr, "127.0.0.2"); err != nil {
		t.Errorf("a client from another address was not served during the attack: %v", err)
	}
	if err := fetch(addr, "127.0.0.1"); err == nil {
		t.Error("a further connection from the capped address was served")
	}
	if got := s.RefusedConnections(); got < attackers-limit+1 {
		t.Errorf("RefusedConnections = %d, want ≥ %d", got, attackers-limit+1)
	}
	for _, c := range slow {
		_ = c.Close()
	}
	deadline := time.Now().Add(10 * time.Second)
	for err := fetch(addr, "127.0.0.1"); err != nil; err = fetch(addr, "127.0.0.1") {
		if time.Now().After(deadline) {
			t.Fatalf("127.0.0.1 not served after its connections closed: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestPerIPCapOff(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	for _, max := range []int{0, -1} {
		if got := capPerIP(ln, max, nil, quietLogger()); got != ln {
			t.Errorf("capPerIP(ln, %d) wrapped the listener", max)
		}
	}
}

// serveTest serves s on a loopback port until the test ends.
func serveTest(t *testing.T, s *Server) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if err := s.Shutdown(ctx); err != nil {
			t.Errorf("Shutdown: %v", err)
		}
		if err := <-done; err != nil {
			t.Errorf("Serve = %v", err)
		}
	})
	return ln.Addr().String()
}

// slowClient completes the TLS handshake and sends half a request header.
func slowClient(addr string) (net.Conn, error) {
	raw, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		return nil, err
	}
	c := tls.Client(raw, &tls.Config{InsecureSkipVerify: true}) //nolint:gosec // loopback test
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.HandshakeContext(ctx); err != nil {
		_ = raw.Close()
		return nil, err
	}
	if _, err := io.WriteString(c, "GET /config.js HTTP/1.1\r\nHost: localhost\r\n"); err != nil {
		_ = c.Close()
		return nil, err
	}
	return c, nil
}

// fetch GETs /config.js from the given local address.
func fetch(addr, from string) error {
	d := &net.Dialer{Timeout: 5 * time.Second, LocalAddr: &net.TCPAddr{IP: net.ParseIP(from)}}
	tr := &http.Transport{DialContext: d.DialContext, TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback test
	defer tr.CloseIdleConnections()
	resp, err := (&http.Client{Transport: tr, Timeout: 10 * time.Second}).Get(fmt.Sprintf("https://%s/config.js", addr))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("status %d", resp.StatusCode)
	}
	return nil
}

// TestCapKeyIPv6Prefix: the HTTPS per-address cap counts an IPv6 /64 as
// one address (issue 11 defect 1), IPv4 addresses one by one.
func TestCapKeyIPv6Prefix(t *testing.T) {
	l := &ipCapListener{max: 2, open: map[netip.Addr]int{}}
	for _, s := range []string{"2001:db8::1", "2001:db8::ffff:2"} {
		if !l.acquire(capKey(netip.MustParseAddr(s))) {
			t.Fatalf("%s refused below the cap", s)
		}
	}
	if l.acquire(capKey(netip.MustParseAddr("2001:db8::abcd"))) {
		t.Fatal("a third address of the same /64 admitted over the cap of 2")
	}
	for _, s := range []string{"2001:db8:0:1::1", "192.0.2.1", "192.0.2.2"} {
		if !l.acquire(capKey(netip.MustParseAddr(s))) {
			t.Fatalf("%s (another /64 or IPv4 address) refused", s)
		}
	}
	l.release(capKey(netip.MustParseAddr("2001:db8::1")))
	if !l.acquire(capKey(netip.MustParseAddr("2001:db8::9"))) {
		t.Fatal("the /64's place was not released")
	}
}
