package web

import (
	"context"
	"crypto/tls"
	"encoding/binary"
	"errors"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// TURN over TLS on the HTTPS port (docs/networks.md "One port for
// everything"): after the TLS handshake a connection whose SNI names the
// TURN host, or whose first bytes are a STUN message header, goes to the
// TURN server; everything else is served as HTTPS.

const (
	// demuxTimeout bounds the handshake and the wait for the first bytes,
	// as ReadHeaderTimeout bounds a request's headers.
	demuxTimeout = 10 * time.Second
	// stunMagicCookie is at bytes 4..7 of every STUN message (RFC 8489).
	stunMagicCookie = 0x2112A442
	// sniffLen is how many bytes decide: a STUN header's first 8, and
	// shorter than any HTTP request line.
	sniffLen = 8
)

// turnRoute is where TURN connections go.
type turnRoute struct {
	host    string         // SNI host name that always means TURN ("" none)
	deliver func(net.Conn) // takes ownership of the connection
}

// RouteTURN makes Serve hand TURN-over-TLS connections to deliver: those
// whose SNI is host (when not empty) and those that begin with a STUN
// message. Call it before Serve.
func (s *Server) RouteTURN(host string, deliver func(net.Conn)) {
	s.turn = &turnRoute{host: host, deliver: deliver}
	cfg := s.http.TLSConfig
	for _, p := range []string{"h2", "http/1.1"} {
		if !slices.Contains(cfg.NextProtos, p) {
			cfg.NextProtos = append(cfg.NextProtos, p)
		}
	}
	// Connections read before net/http sees them are not *tls.Conn for it:
	// keep their TLS state in the connection's context and restore r.TLS.
	prev := s.http.ConnContext
	s.http.ConnContext = func(ctx context.Context, c net.Conn) context.Context {
		if prev != nil {
			ctx = prev(ctx, c)
		}
		if sc, ok := c.(*sniffedConn); ok {
			ctx = context.WithValue(ctx, tlsStateKey{}, sc.state)
		}
		return ctx
	}
	h := s.http.Handler
	s.http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if st, ok := r.Context().Value(tlsStateKey{}).(*tls.ConnectionState); ok && r.TLS == nil {
			r.TLS = st
		}
		h.ServeHTTP(w, r)
	})
}

type tlsStateKey struct{}

// isSTUN reports whether b begins with a STUN message header: the two top
// bits zero and the magic cookie at bytes 4..7.
func isSTUN(b []byte) bool {
	return len(b) >= sniffLen && b[0]&0xC0 == 0 && binary.BigEndian.Uint32(b[4:8]) == stunMagicCookie
}

// demuxListener does the TLS handshake itself, in a goroutine per
// connection, and passes on only the HTTPS connections.
type demuxListener struct {
	inner net.Listener
	tls   *tls.Config
	route *turnRoute
	ctx   context.Context
	stop  context.CancelFunc
	conns chan net.Conn
	errs  chan error
	once  sync.Once
}

func newDemux(inner net.Listener, cfg *tls.Config, route *turnRoute) *demuxListener {
	ctx, stop := context.WithCancel(context.Background())
	l := &demuxListener{inner: inner, tls: cfg, route: route, ctx: ctx, stop: stop,
		conns: make(chan net.Conn), errs: make(chan error)}
	go l.acceptLoop()
	return l
}

func (l *demuxListener) acceptLoop() {
	for {
		c, err := l.inner.Accept()
		if err != nil {
			select {
			case l.errs <- err:
			case <-l.ctx.Done():
				return
			}
			if errors.Is(err, net.ErrClosed) {
				return
			}
			continue
		}
		go l.sort(c)
	}
}

// sort completes the handshake and sends c to TURN or to net/http.
func (l *demuxListener) sort(c net.Conn) {
	tc := tls.Server(c, l.tls)
	ctx, cancel := context.WithTimeout(l.ctx, demuxTimeout)
	defer cancel()
	if err := tc.HandshakeContext(ctx); err != nil {
		_ = c.Close()
		return
	}
	st := tc.ConnectionState()
	switch {
	case l.route.host != "" && strings.EqualFold(st.ServerName, l.route.host):
		l.route.deliver(tc)
	case st.NegotiatedProtocol != "": // h2, http/1.1 or an ACME challenge
		l.pass(tc)
	default:
		l.sniff(tc, &st)
	}
}

// sniff reads the first bytes of a connection without ALPN (TURN clients
// send none) and routes it by them.
func (l *demuxListener) sniff(tc net.Conn, st *tls.ConnectionState) {
	_ = tc.SetReadDeadline(time.Now().Add(demuxTimeout))
	buf := make([]byte, sniffLen)
	n, err := io.ReadFull(tc, buf)
	if err != nil {
		_ = tc.Close()
		return
	}
	_ = tc.SetReadDeadline(time.Time{})
	sc := &sniffedConn{Conn: tc, head: buf[:n], state: st}
	if isSTUN(sc.head) {
		l.route.deliver(sc)
		return
	}
	l.pass(sc)
}

func (l *demuxListener) pass(c net.Conn) {
	select {
	case l.conns <- c:
	case <-l.ctx.Done():
		_ = c.Close()
	}
}

// Accept returns the next HTTPS connection.
func (l *demuxListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case err := <-l.errs:
		return nil, err
	case <-l.ctx.Done():
		return nil, net.ErrClosed
	}
}

// Close stops accepting; connections still in their handshake are closed.
func (l *demuxListener) Close() error {
	var err error
	l.once.Do(func() {
		l.stop()
		err = l.inner.Close()
	})
	return err
}

func (l *demuxListener) Addr() net.Addr { return l.inner.Addr() }

// sniffedConn is a TLS connection whose first bytes were read to route it.
type sniffedConn struct {
	net.Conn
	head  []byte
	state *tls.ConnectionState
}

func (c *sniffedConn) Read(b []byte) (int, error) {
	if len(c.head) > 0 {
		n := copy(b, c.head)
		c.head = c.head[n:]
		return n, nil
	}
	return c.Conn.Read(b)
}
