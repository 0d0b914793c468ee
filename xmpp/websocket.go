package xmpp

import (
	"context"
	"errors"
	"io"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// wsClose is the exact close element strophe.js compares messages against.
const wsClose = `<close xmlns="` + ns.Framing + `" />`

// wsTransport is an RFC 7395 transport: one whole element per text message.
type wsTransport struct {
	conn  *websocket.Conn
	limit int
	idle  time.Duration

	wmu       sync.Mutex
	closeCode atomic.Int32 // the close frame's status; 0 means 1000
	closeOnce sync.Once
	stop      chan struct{}
	pingDone  chan struct{}
}

func newWSTransport(conn *websocket.Conn, limit int, idle time.Duration) *wsTransport {
	t := &wsTransport{conn: conn, limit: limit, idle: idle,
		stop: make(chan struct{}), pingDone: make(chan struct{})}
	// Frames larger than twice the stanza limit are cut off by the library.
	conn.SetReadLimit(int64(2*limit) + 1024)
	conn.SetPongHandler(func(string) error {
		return conn.SetReadDeadline(time.Now().Add(idle))
	})
	go t.pinger()
	return t
}

// ReadElement returns the next element; the size limit is enforced on the
// bytes read, before the element is parsed.
func (t *wsTransport) ReadElement(ctx context.Context) (*dom.Element, error) {
	for {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := t.conn.SetReadDeadline(time.Now().Add(t.idle)); err != nil {
			return nil, err
		}
		typ, r, err := t.conn.NextReader()
		if err != nil {
			return nil, t.readFailed(err)
		}
		if typ != websocket.TextMessage {
			return nil, t.readFailed(ErrBinaryFrame)
		}
		b, err := io.ReadAll(io.LimitReader(r, int64(t.limit)+1))
		if err != nil {
			return nil, t.readFailed(err)
		}
		if len(b) > t.limit {
			return nil, ErrStanzaTooLarge
		}
		el, err := parseFrame(b)
		if err != nil || el != nil {
			return el, err
		}
	}
}

// readFailed picks the close status for a read error, as Prosody does:
// 1003 for binary data, 1008 (policy) for a message in too many fragments.
func (t *wsTransport) readFailed(err error) error {
	switch {
	case errors.Is(err, ErrBinaryFrame):
		t.closeCode.Store(websocket.CloseUnsupportedData)
	case errors.Is(err, ErrTooManyFragments):
		t.closeCode.Store(websocket.ClosePolicyViolation)
	}
	return err
}

// WriteElement sends e as one text message.
func (t *wsTransport) WriteElement(ctx context.Context, e *dom.Element) error {
	msg := wsSerialize(e)
	deadline := time.Now().Add(writeTimeout)
	if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
		deadline = d
	}
	t.wmu.Lock()
	defer t.wmu.Unlock()
	if err := t.conn.SetWriteDeadline(deadline); err != nil {
		return err
	}
	return t.conn.WriteMessage(websocket.TextMessage, []byte(msg))
}

// Close sends a WebSocket close frame and closes the connection.
func (t *wsTransport) Close() error {
	var err error
	t.closeOnce.Do(func() {
		close(t.stop)
		code := int(t.closeCode.Load())
		if code == 0 {
			code = websocket.CloseNormalClosure
		}
		msg := websocket.FormatCloseMessage(code, "")
		_ = t.conn.WriteControl(websocket.CloseMessage, msg, time.Now().Add(time.Second))
		err = t.conn.Close()
		<-t.pingDone
	})
	return err
}

// pinger keeps idle connections alive and detects dead peers.
func (t *wsTransport) pinger() {
	defer close(t.pingDone)
	tick := time.NewTicker(t.idle / 4)
	defer tick.Stop()
	for {
		select {
		case <-t.stop:
			return
		case <-tick.C:
			_ = t.conn.WriteControl(websocket.PingMessage, nil, time.Now().Add(writeTimeout))
		}
	}
}

// wsSerialize writes framing and stream elements the way strophe.js expects:
// the exact close string and stream:-prefixed features and errors.
func wsSerialize(e *dom.Element) string {
	switch {
	case e.Is(ns.Framing, "close"):
		return wsClose
	case e.Space == ns.Streams:
		var b strings.Builder
		b.WriteString("<stream:" + e.Local + ` xmlns:stream="` + ns.Streams + `">`)
		for _, c := range e.Children {
			b.WriteString(c.String())
		}
		b.WriteString("</stream:" + e.Local + ">")
		return b.String()
	}
	return e.String()
}
