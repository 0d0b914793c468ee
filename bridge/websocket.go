package bridge

import (
	"crypto/subtle"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/gorilla/websocket"
)

const wsWriteTimeout = 10 * time.Second

// defaultChannelIdle is the bridge-channel WebSocket idle timeout, as JVB's
// (pings every 15 s, closed after 60 s without anything from the peer).
const defaultChannelIdle = 60 * time.Second

// webSocketURL is the bridge-channel URL offered to this endpoint, or "".
func (e *endpoint) webSocketURL() string {
	base := strings.TrimRight(e.b.cfg.WebSocketURL, "/")
	if base == "" {
		return ""
	}
	return base + "/" + url.PathEscape(e.conf.meetingID) + "/" + url.PathEscape(e.id) + "?pwd=" + url.QueryEscape(e.wsPwd)
}

// WebSocketHandler serves the bridge channel at
// /colibri-ws/{bridgeID}/{meetingID}/{endpointID}?pwd=... (mount it at "/colibri-ws/").
func (b *Bridge) WebSocketHandler() http.Handler {
	// Bridge-channel messages are small and rare (a few a second at most):
	// a small read buffer, and write buffers shared by all connections and
	// held only while a message is written, so an idle channel costs no
	// write buffer.
	up := &websocket.Upgrader{
		CheckOrigin:     func(*http.Request) bool { return true }, // the pwd authenticates
		ReadBufferSize:  1024,
		WriteBufferSize: 4096,
		WriteBufferPool: &sync.Pool{},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b.serveWebSocket(up, w, r)
	})
}

func (b *Bridge) serveWebSocket(up *websocket.Upgrader, w http.ResponseWriter, r *http.Request) {
	parts := wsPath(r.URL.Path)
	if parts == nil || parts[0] != b.cfg.ID {
		http.NotFound(w, r)
		return
	}
	e, status := b.wsEndpoint(parts[1], parts[2], r.URL.Query().Get("pwd"))
	if e != nil && strings.Contains(r.URL.Path, "/colibri-relay-ws/") != (e.relay != nil) {
		e, status = nil, http.StatusNotFound // a relay's channel only on the relay path, a client's only on its own
	}
	if e == nil {
		// The status alone tells what failed; the body names nothing.
		http.Error(w, http.StatusText(status), status)
		return
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		return
	}
	e.serveChannel(conn)
}

// serveChannel runs an open bridge-channel WebSocket (a client's, or a
// relay's in either direction) until it ends.
func (e *endpoint) serveChannel(conn *websocket.Conn) {
	conn.SetReadLimit(maxChannelMessage)
	c := &wsChannel{conn: conn}
	if !e.attachChannel(c, "websocket") {
		c.close()
		return
	}
	defer e.detachChannel(c)
	defer c.close()
	idle := e.b.cfg.ChannelIdle
	if idle <= 0 {
		idle = defaultChannelIdle
	}
	alive := func(string) error { return conn.SetReadDeadline(time.Now().Add(idle)) }
	conn.SetPongHandler(alive)
	stop := c.keepAlive(idle / 4)
	defer stop()
	for {
		if err := alive(""); err != nil {
			return
		}
		_, msg, err := conn.ReadMessage()
		if err != nil {
			return
		}
		e.onChannelMessage(msg)
	}
}

// keepAlive pings the peer every interval until the returned stop is
// called; stop waits for the pinger to end.
func (c *wsChannel) keepAlive(interval time.Duration) (stop func()) {
	done, ended := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(ended)
		tick := time.NewTicker(interval)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				_ = c.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(wsWriteTimeout))
			}
		}
	}()
	return func() {
		close(done)
		<-ended
	}
}

// wsPath splits ".../colibri-ws/{bridge}/{meeting}/{endpoint}" into its
// three ids; a path whose prefix was already stripped is accepted too.
func wsPath(p string) []string {
	for _, prefix := range []string{"/colibri-ws/", "/colibri-relay-ws/"} {
		if i := strings.Index(p, prefix); i >= 0 {
			p = p[i+len(prefix):]
			break
		}
	}
	parts := strings.Split(strings.TrimPrefix(p, "/"), "/")
	if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
		return nil
	}
	return parts
}

// wsEndpoint finds the endpoint and checks its WebSocket password; on
// failure it returns the HTTP status to answer (docs/bad-input.md#t5):
// 404 for an unknown conference or endpoint, 401 for a wrong password.
func (b *Bridge) wsEndpoint(meetingID, endpointID, pwd string) (*endpoint, int) {
	c := b.conference(meetingID)
	if c == nil {
		return nil, http.StatusNotFound
	}
	e := c.endpoint(endpointID)
	if e == nil {
		return nil, http.StatusNotFound
	}
	if subtle.ConstantTimeCompare([]byte(e.wsPwd), []byte(pwd)) != 1 {
		return nil, http.StatusUnauthorized
	}
	return e, http.StatusOK
}

// wsChannel adapts a WebSocket to channelConn.
type wsChannel struct {
	conn *websocket.Conn
	mu   sync.Mutex
}

func (c *wsChannel) send(msg []byte) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	_ = c.conn.SetWriteDeadline(time.Now().Add(wsWriteTimeout))
	return c.conn.WriteMessage(websocket.TextMessage, msg)
}

func (c *wsChannel) close() { _ = c.conn.Close() }
