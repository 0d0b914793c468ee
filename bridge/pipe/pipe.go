// Package pipe holds the DTLS side of an RFC 7983 demultiplexer: one reader
// goroutine reads an ICE connection, sorts datagrams by their first byte, and
// pushes the DTLS records into a DTLS pipe, which a pion/dtls connection then
// reads from. The bridge and the load tool's emulated endpoints share it.
package pipe

import (
	"io"
	"net"
	"sync"
	"time"
)

// DTLS is a net.Conn whose reads come from Push and whose writes go straight
// to the underlying ICE connection. Deadlines are ignored: the DTLS handshake
// is bounded by its own context.
type DTLS struct {
	conn net.Conn
	in   chan []byte
	done chan struct{}
	once sync.Once
}

// NewDTLS returns a pipe that writes to conn and holds up to 64 pushed
// records.
func NewDTLS(conn net.Conn) *DTLS {
	return &DTLS{conn: conn, in: make(chan []byte, 64), done: make(chan struct{})}
}

// Push hands a datagram to the reader without blocking; it reports false when
// the pipe is full and the datagram was dropped. The pipe keeps b.
func (p *DTLS) Push(b []byte) bool {
	select {
	case p.in <- b:
		return true
	default:
		return false
	}
}

// Read returns the next pushed datagram, or io.EOF after Close.
func (p *DTLS) Read(b []byte) (int, error) {
	select {
	case d := <-p.in:
		return copy(b, d), nil
	case <-p.done:
		return 0, io.EOF
	}
}

// Write sends b on the underlying connection.
func (p *DTLS) Write(b []byte) (int, error) { return p.conn.Write(b) }

// Close ends pending and future reads; the underlying connection stays open.
func (p *DTLS) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

// LocalAddr is the underlying connection's local address.
func (p *DTLS) LocalAddr() net.Addr { return p.conn.LocalAddr() }

// RemoteAddr is the underlying connection's remote address.
func (p *DTLS) RemoteAddr() net.Addr { return p.conn.RemoteAddr() }

// SetDeadline is ignored.
func (p *DTLS) SetDeadline(time.Time) error { return nil }

// SetReadDeadline is ignored.
func (p *DTLS) SetReadDeadline(time.Time) error { return nil }

// SetWriteDeadline is ignored.
func (p *DTLS) SetWriteDeadline(time.Time) error { return nil }
