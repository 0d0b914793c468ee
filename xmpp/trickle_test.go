package xmpp

import (
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
)

// TestTrickledStanza covers the "1 byte/second trickle" case of
// reliability.md §5.1 X4 over WebSocket, one byte per continuation frame,
// with a client that answers the server's pings (as browsers do). Before
// login the pre-auth timeout ends the stream (connection-timeout). After
// login no timer applies — the trickle outlives the pre-auth timeout, and
// answered pings keep the idle timeout away — and the stanza byte budget is
// the bound: policy-violation
// once MaxStanzaBytes is exceeded, before the element ends. Another
// session stays up throughout.
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
			c := env.dialFragmenting()
			if tt.login {
				c.login()
			}
			got := make(chan string, 1)
			go func() { got <- readStreamError(c.conn) }() // also answers pings
			start := time.Now()
			sent := trickleFragments(c.conn, tt.stanza, 5*time.Millisecond)
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

// dialFragmenting is dial with a one-byte write buffer: every Write on a
// message writer goes out as its own frame.
func (e *testEnv) dialFragmenting() *wsClient {
	e.t.Helper()
	d := websocket.Dialer{Subprotocols: []string{"xmpp"}, HandshakeTimeout: waitTimeout, WriteBufferSize: 1}
	conn, resp, err := d.Dial(e.url, nil)
	if err != nil {
		e.t.Fatalf("dial: %v", err)
	}
	_ = resp.Body.Close()
	e.t.Cleanup(func() { _ = conn.Close() })
	return &wsClient{t: e.t, conn: conn}
}

// trickleFragments sends s as one text message, one byte per frame, pausing
// between frames; it returns how many bytes went out before a write failed.
func trickleFragments(conn *websocket.Conn, s string, pause time.Duration) int {
	w, err := conn.NextWriter(websocket.TextMessage)
	if err != nil {
		return 0
	}
	for i := range len(s) {
		if _, err := w.Write([]byte{s[i]}); err != nil {
			return i
		}
		time.Sleep(pause)
	}
	if err := w.Close(); err != nil {
		return len(s) - 1
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
