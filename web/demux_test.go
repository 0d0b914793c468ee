package web

import (
	"bytes"
	"context"
	"crypto/tls"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// stunBinding is a 20-byte STUN binding request header.
var stunBinding = []byte{0x00, 0x01, 0x00, 0x00, 0x21, 0x12, 0xA4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}

func TestIsSTUN(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want bool
	}{
		{"binding request", stunBinding, true},
		{"allocate", append([]byte{0x00, 0x03, 0x00, 0x00}, stunBinding[4:]...), true},
		{"http get", []byte("GET / HTTP/1.1\r\n"), false},
		{"pri (h2 preface)", []byte("PRI * HTTP/2.0\r\n"), false},
		{"wrong cookie", []byte{0, 1, 0, 0, 0x21, 0x12, 0xA4, 0x43}, false},
		{"top bits set", []byte{0x40, 1, 0, 0, 0x21, 0x12, 0xA4, 0x42}, false},
		{"short", stunBinding[:7], false},
		{"empty", nil, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := isSTUN(tc.b); got != tc.want {
				t.Fatalf("isSTUN = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestDemux: one HTTPS listener serves HTTP/1.1 (no ALPN, r.TLS kept),
// HTTP/2, and hands STUN-first and TURN-SNI connections to TURN with their
// bytes intact; a client that sends too little is closed and the server
// keeps serving.
func TestDemux(t *testing.T) {
	baseline := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, baseline) })
	turn := make(chan net.Conn, 4)
	s := newTestServer(t, testConfig(t), Options{XMPP: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.TLS == nil {
			http.Error(w, "no TLS state", http.StatusInternalServerError)
			return
		}
		_, _ = io.WriteString(w, r.Proto)
	})})
	s.RouteTURN("turn.localhost", func(c net.Conn) { turn <- c })
	addr := serveTest(t, s)

	t.Run("http/1.1 without alpn", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}} //nolint:gosec // loopback test
		defer tr.CloseIdleConnections()
		expectBody(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, addr, "HTTP/1.1")
	})
	t.Run("http/2", func(t *testing.T) {
		tr := &http.Transport{TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, ForceAttemptHTTP2: true} //nolint:gosec // loopback test
		defer tr.CloseIdleConnections()
		expectBody(t, &http.Client{Transport: tr, Timeout: 10 * time.Second}, addr, "HTTP/2.0")
	})
	t.Run("stun first", func(t *testing.T) {
		expectTURN(t, addr, "localhost", stunBinding, turn)
	})
	t.Run("turn sni", func(t *testing.T) {
		expectTURN(t, addr, "turn.localhost", []byte("GET / HTTP/1.1\r\n\r\n"), turn)
	})
	t.Run("too short", func(t *testing.T) {
		c := dialTLSTest(t, addr, "localhost")
		_, _ = c.Write([]byte{0, 1, 0})
		_ = c.(interface{ CloseWrite() error }).CloseWrite()
		_ = c.SetReadDeadline(time.Now().Add(demuxTimeout + 5*time.Second))
		if _, err := c.Read(make([]byte, 1)); err == nil {
			t.Error("a 3-byte connection got an answer")
		}
		_ = c.Close()
		select {
		case <-turn:
			t.Error("a 3-byte connection went to TURN")
		default:
		}
	})
}

func expectBody(t *testing.T, c *http.Client, addr, want string) {
	t.Helper()
	res, err := c.Get("https://" + addr + "/xmpp-websocket")
	if err != nil {
		t.Fatal(err)
	}
	defer func() { _ = res.Body.Close() }()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || strings.TrimSpace(string(b)) != want {
		t.Fatalf("%d %q, want 200 %q", res.StatusCode, b, want)
	}
}

func dialTLSTest(t *testing.T, addr, sni string) net.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	d := tls.Dialer{Config: &tls.Config{InsecureSkipVerify: true, ServerName: sni}} //nolint:gosec // loopback test
	c, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func expectTURN(t *testing.T, addr, sni string, first []byte, turn chan net.Conn) {
	t.Helper()
	c := dialTLSTest(t, addr, sni)
	defer func() { _ = c.Close() }()
	if _, err := c.Write(first); err != nil {
		t.Fatal(err)
	}
	select {
	case got := <-turn:
		defer func() { _ = got.Close() }()
		buf := make([]byte, len(first))
		_ = got.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(got, buf); err != nil || !bytes.Equal(buf, first) {
			t.Fatalf("TURN side read %q, %v; want %q", buf, err, first)
		}
		if _, err := got.Write([]byte("reply")); err != nil {
			t.Fatal(err)
		}
		rb := make([]byte, 5)
		_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
		if _, err := io.ReadFull(c, rb); err != nil || string(rb) != "reply" {
			t.Fatalf("client read %q, %v", rb, err)
		}
	case <-time.After(20 * time.Second):
		t.Fatal("connection not handed to TURN")
	}
}

// FuzzDemuxSniff feeds arbitrary first bytes to the router: it must not
// panic, sends a connection to TURN only if it starts with a STUN header,
// and whichever side gets it reads back every byte the client sent.
func FuzzDemuxSniff(f *testing.F) {
	f.Add(stunBinding)
	f.Add([]byte("GET / HTTP/1.1\r\nHost: x\r\n\r\n"))
	f.Add([]byte("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"))
	f.Add([]byte{0, 1})
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		var routed net.Conn
		toTURN := false
		l := &demuxListener{ctx: context.Background(), conns: make(chan net.Conn, 1),
			route: &turnRoute{deliver: func(c net.Conn) { routed, toTURN = c, true }}}
		client, server := net.Pipe()
		go func() {
			_, _ = client.Write(data)
			_ = client.Close()
		}()
		l.sniff(server, &tls.ConnectionState{})
		if !toTURN {
			select {
			case routed = <-l.conns:
			default:
			}
		}
		if len(data) < sniffLen {
			if routed != nil {
				t.Fatalf("%d bytes were routed", len(data))
			}
			return
		}
		if routed == nil {
			t.Fatal("not routed")
		}
		if toTURN != isSTUN(data) {
			t.Fatalf("toTURN=%v for %x", toTURN, data[:sniffLen])
		}
		got, _ := io.ReadAll(routed)
		if !bytes.Equal(got, data) {
			t.Fatalf("read back %d bytes, sent %d", len(got), len(data))
		}
	})
}
