package xmpp

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net"
	"testing"
	"time"
)

// bytesConn is a net.Conn that reads from a buffer and discards writes.
type bytesConn struct{ r *bytes.Reader }

func (c bytesConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c bytesConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c bytesConn) Close() error                     { return nil }
func (c bytesConn) LocalAddr() net.Addr              { return &net.TCPAddr{} }
func (c bytesConn) RemoteAddr() net.Addr             { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 1} }
func (c bytesConn) SetDeadline(time.Time) error      { return nil }
func (c bytesConn) SetReadDeadline(time.Time) error  { return nil }
func (c bytesConn) SetWriteDeadline(time.Time) error { return nil }

// FuzzTCPStream: the TCP stream reader turns any input into elements and
// then io.EOF or an error that maps to a stream error; never a panic, and
// never an element beyond the size limit.
func FuzzTCPStream(f *testing.F) {
	for _, s := range []string{
		`<?xml version='1.0'?><stream:stream to='localhost' version='1.0' xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams'><auth xmlns='urn:ietf:params:xml:ns:xmpp-sasl' mechanism='ANONYMOUS'/></stream:stream>`,
		`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='svc.localhost'><handshake>aa</handshake>`,
		`<stream:stream xmlns:stream='http://etherx.jabber.org/streams'><message><body>x</body></message> <!-- c --><?pi x?>`,
	} {
		f.Add([]byte(s))
	}
	const limit = 4096
	f.Fuzz(func(t *testing.T, b []byte) {
		tr := newTCPTransport(bytesConn{bytes.NewReader(b)}, nil, limit, "jabber:client")
		for i := 0; i < 64; i++ {
			el, err := tr.ReadElement(context.Background())
			if err != nil {
				if !errors.Is(err, io.EOF) && conditionOf(err) == "" {
					t.Fatalf("unclassified error %v", err)
				}
				return
			}
			if len(el.String()) > 2*limit {
				t.Fatalf("element of %d bytes passed a %d byte limit", len(el.String()), limit)
			}
		}
	})
}
