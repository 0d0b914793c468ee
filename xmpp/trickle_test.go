package xmpp

import (
	"net"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
)

// TestTrickledStanza covers the "1 byte/second trickle" case of
// docs/bad-input.md#x4 over WebSocket: one frame whose payload arrives a
// byte at a time (spreading a stanza over many frames is bounded by
// Limits.WebSocketFragments instead, see TestWebSocketFragments). Before
// login the pre-auth timeout ends the stream (connection-timeout). After
// login no timer applies — the trickle outlives the pre-auth timeout — and
// the stanza byte budget is the bound: policy-violation once
// MaxStanzaBytes is exceeded, before the element ends. Another session
// stays up throughout.
func TestTrickledStanza(t *testing.T) {
	leakCheck(t)
	const limit = 200
	env := newEnv(t, func(c *Config) {
		c.PreAuthTimeout = 300 * time.Millisecond
		c.MaxStanzaBytes = limit
	})
	other := env.dial()
	other.login()
	tests := []struct {
		name, stanza, want string
		login              bool
	}{
		{"before login", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>` + strings.Repeat(" ", 400),
			"connection-timeout", false},
		{"after login", `<message xmlns="jabber:client" to="localhost" id="slow"><body>` + strings.Repeat("a", 400),
			"policy-violation", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.dial()
			if tt.login {
				c.login()
			}
			// A pong written by the library now would land inside the frame.
			c.conn.SetPingHandler(func(string) error { return nil })
			got := make(chan string, 1)
			go func() { got <- readStreamError(c.conn) }()
			start := time.Now()
			sent := trickleFrame(c.conn.NetConn(), tt.stanza, 5*time.Millisecond)
			if cond := <-got; cond != tt.want {
				t.Fatalf("stream error %q, want %q", cond, tt.want)
			}
			if tt.login && sent <= limit {
				t.Errorf("closed after %d bytes, before the %d-byte budget was spent", sent, limit)
			}
			if tt.login && time.Since(start) < 300*time.Millisecond {
				t.Errorf("bounded by time, not bytes: closed after %v", time.Since(start))
			}
			other.ping(tt.name)
		})
	}
}

// trickleFrame sends s as one text frame: the header at once, then the
// payload a byte at a time, pausing between bytes. It returns how many
// payload bytes went out before a write failed.
func trickleFrame(conn net.Conn, s string, pause time.Duration) int {
	frame := clientFrame(true, opText, []byte(s))
	payloadAt := len(frame) - len(s)
	if _, err := conn.Write(frame[:payloadAt]); err != nil {
		return 0
	}
	for i := range len(s) {
		if _, err := conn.Write(frame[payloadAt+i : payloadAt+i+1]); err != nil {
			return i
		}
		time.Sleep(pause)
	}
	return len(s)
}

// readStreamError reads until the connection ends and returns the
// condition of the last stream error seen ("" if none).
func readStreamError(conn *websocket.Conn) string {
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	cond := ""
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			return cond
		}
		if strings.HasPrefix(string(b), "<stream:error") {
			if e, err := dom.Parse(b); err == nil && e.FirstChild() != nil {
				cond = e.FirstChild().Local
			}
		}
	}
}
