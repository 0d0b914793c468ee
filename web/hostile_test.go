package web

import (
	"bufio"
	"crypto/tls"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// TestHostileRoomAndTenantPaths covers docs/bad-input.md#t7: a script in
// config.js?room= and tenant paths with quotes, "..", and %00 are either
// refused or served without the hostile text reaching the output.
func TestHostileRoomAndTenantPaths(t *testing.T) {
	s := newAppServer(t)
	tests := []struct {
		name, path string
		status     int
	}{
		{"script in config.js room", "/config.js?room=%3Cscript%3Ealert(1)%3C/script%3E", 200},
		{"quote in config.js room", "/config.js?room=a%22b%27c", 200},
		{"script in tenant config.js room", "/acme/config.js?room=%3C/script%3E%3Cscript%3Ex()", 200},
		{"double quote tenant", "/a%22b/room", 404},
		{"single quote tenant", "/a'b/room", 404},
		{"quote in tenant room", "/acme/x%22y", 404},
		{"dot-dot tenant", "/%2e%2e/room", 404},
		{"dot-dot tenant config.js", "/%2e%2e/config.js", 404},
		{"dot-dot room under tenant", "/acme/%2e%2e", 404},
		{"NUL tenant", "/ac%00me/room", 404},
		{"NUL room", "/acme/ro%00om", 404},
		{"NUL tenant config.js", "/acme%00/config.js", 404},
	}
	bad := []string{"<script>alert", "</script><script>", `a"b'c`, "\x00", "x()"}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", tt.path, nil))
			body := rec.Body.String()
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d\n%s", tt.path, rec.Code, tt.status, body)
			}
			for _, b := range bad {
				if strings.Contains(body, b) {
					t.Errorf("GET %s: body contains %q", tt.path, b)
				}
			}
			if tt.status == 200 {
				parseConfigJS(t, rec.Body.Bytes())
			}
		})
	}
}

// TestSlowlorisClosedByHeaderTimeout covers docs/bad-input.md#t1: a client
// trickling its request headers is disconnected by ReadHeaderTimeout
// (shortened here from the 10 s default) with a 400 or no response, while another
// client is served during and after the attack.
func TestSlowlorisClosedByHeaderTimeout(t *testing.T) {
	s := newTestServer(t, testConfig(t), Options{})
	const timeout = time.Second
	s.http.ReadHeaderTimeout = timeout
	addr := serveTest(t, s)
	tlsCfg := &tls.Config{InsecureSkipVerify: true} //nolint:gosec // loopback test
	slow, err := tls.Dial("tcp", addr, tlsCfg)
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = slow.Close() }()
	trickled := make(chan int, 1)
	go func() {
		trickled <- trickle(slow, "GET /config.js HTTP/1.1\r\nHost: localhost\r\nX-Slow: "+strings.Repeat("a", 200))
	}()

	getConfig(t, addr, tlsCfg) // served while the slow client trickles
	_ = slow.SetReadDeadline(time.Now().Add(30 * timeout))
	got, err := io.ReadAll(slow) // net/http answers 400 (or nothing), then closes
	if err != nil && !isReset(err) {
		t.Fatalf("slow client read = %q, %v; want the connection closed", got, err)
	}
	if len(got) > 0 && !strings.HasPrefix(string(got), "HTTP/1.1 400 ") {
		t.Errorf("slow client got %q, want a 400 or no response", got)
	}
	if sent := <-trickled; sent >= 200 {
		t.Errorf("server accepted %d trickled header bytes before closing", sent)
	}
	getConfig(t, addr, tlsCfg) // the server is still up
}

// trickle writes msg one byte per 100 ms until a write fails; it returns the
// number of bytes written.
func trickle(c net.Conn, msg string) int {
	for i := range len(msg) {
		if _, err := c.Write([]byte{msg[i]}); err != nil {
			return i
		}
		time.Sleep(100 * time.Millisecond)
	}
	return len(msg)
}

func isReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) && !op.Timeout()
}

func getConfig(t *testing.T, addr string, tlsCfg *tls.Config) {
	t.Helper()
	c := &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: tlsCfg}}
	defer c.CloseIdleConnections()
	resp, err := c.Get(fmt.Sprintf("https://%s/config.js", addr))
	if err != nil {
		t.Fatalf("GET config.js: %v", err)
	}
	body, _ := io.ReadAll(bufio.NewReader(resp.Body))
	_ = resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET config.js = %d", resp.StatusCode)
	}
	parseConfigJS(t, body)
}
