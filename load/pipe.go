package load

import (
	"io"
	"net"
	"sync"
	"time"
)

// dtlsPipe is the DTLS side of the RFC 7983 demux: the endpoint's reader
// pushes DTLS records into it; writes go straight to the ICE conn.
type dtlsPipe struct {
	conn net.Conn
	in   chan []byte
	done chan struct{}
	once sync.Once
}

func newDTLSPipe(conn net.Conn) *dtlsPipe {
	return &dtlsPipe{conn: conn, in: make(chan []byte, 64), done: make(chan struct{})}
}

// push hands a datagram to the DTLS reader without blocking.
func (p *dtlsPipe) push(b []byte) {
	select {
	case p.in <- b:
	default:
	}
}

func (p *dtlsPipe) Read(b []byte) (int, error) {
	select {
	case d := <-p.in:
		return copy(b, d), nil
	case <-p.done:
		return 0, io.EOF
	}
}

func (p *dtlsPipe) Write(b []byte) (int, error) { return p.conn.Write(b) }

func (p *dtlsPipe) Close() error {
	p.once.Do(func() { close(p.done) })
	return nil
}

func (p *dtlsPipe) LocalAddr() net.Addr              { return p.conn.LocalAddr() }
func (p *dtlsPipe) RemoteAddr() net.Addr             { return p.conn.RemoteAddr() }
func (p *dtlsPipe) SetDeadline(time.Time) error      { return nil }
func (p *dtlsPipe) SetReadDeadline(time.Time) error  { return nil }
func (p *dtlsPipe) SetWriteDeadline(time.Time) error { return nil }
