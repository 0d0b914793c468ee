// Package pipe holds the DTLS side of an RFC 7983 demultiplexer: one reader
// goroutine reads an ICE connection, sorts datagrams by their first byte, and
// pushes the DTLS records into a DTLS pipe, which a pion/dtls connection then
// reads from. The bridge and the load tool's emulated endpoints share it.
package pipe

import (
	"io"
	"net"
	"os"
	"sync"
	"time"
)

// DTLS is a net.Conn whose reads come from Push and whose writes go straight
// to the underlying ICE connection. Read deadlines are kept: pion's DTLS
// handshake ends a cancelled or timed-out handshake by setting one, and
// waits for its reader before it returns. Write deadlines are ignored.
type DTLS struct {
	conn net.Conn
	in   chan []byte
	done chan struct{}
	once sync.Once

	mu      sync.Mutex
	expired chan struct{} // closed when the read deadline passed
	fired   bool          // expired is closed
	gen     uint64        // deadline generation: a stale timer does nothing
	timer   *time.Timer
}

// NewDTLS returns a pipe that writes to conn and holds up to 64 pushed
// records.
func NewDTLS(conn net.Conn) *DTLS {
	return &DTLS{conn: conn, in: make(chan []byte, 64), done: make(chan struct{}), expired: make(chan struct{})}
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

// Read returns the next pushed datagram, io.EOF after Close, or
// os.ErrDeadlineExceeded once the read deadline passed.
func (p *DTLS) Read(b []byte) (int, error) {
	p.mu.Lock()
	expired := p.expired
	p.mu.Unlock()
	select {
	case d := <-p.in:
		return copy(b, d), nil
	case <-p.done:
		return 0, io.EOF
	case <-expired:
		return 0, os.ErrDeadlineExceeded
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

// SetDeadline sets the read deadline.
func (p *DTLS) SetDeadline(t time.Time) error { return p.SetReadDeadline(t) }

// SetReadDeadline makes pending and future reads fail at t (zero: never).
func (p *DTLS) SetReadDeadline(t time.Time) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gen++
	if p.timer != nil {
		p.timer.Stop()
		p.timer = nil
	}
	if p.fired {
		p.expired, p.fired = make(chan struct{}), false
	}
	switch d := time.Until(t); {
	case t.IsZero():
	case d <= 0:
		p.fire()
	default:
		gen := p.gen
		p.timer = time.AfterFunc(d, func() {
			p.mu.Lock()
			defer p.mu.Unlock()
			if p.gen == gen && !p.fired {
				p.fire()
			}
		})
	}
	return nil
}

// fire ends pending reads; p.mu is held.
func (p *DTLS) fire() {
	close(p.expired)
	p.fired = true
}

// SetWriteDeadline is ignored: writes go to the ICE conn, which never blocks
// for long.
func (p *DTLS) SetWriteDeadline(time.Time) error { return nil }
