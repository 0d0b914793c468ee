package pipe

import (
	"context"
	"errors"
	"io"
	"net"
	"os"
	"testing"
	"time"

	"github.com/pion/dtls/v3"
	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	dtlsnet "github.com/pion/dtls/v3/pkg/net"
)

func TestDTLS(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = a.Close(); _ = b.Close() }()
	p := NewDTLS(a)
	t.Run("push then read", func(t *testing.T) {
		if !p.Push([]byte("rec")) {
			t.Fatal("push refused on an empty pipe")
		}
		buf := make([]byte, 8)
		if n, err := p.Read(buf); err != nil || string(buf[:n]) != "rec" {
			t.Fatalf("read %q, %v", buf[:n], err)
		}
	})
	t.Run("full pipe drops", func(t *testing.T) {
		for i := 0; i < 64; i++ {
			p.Push([]byte{byte(i)})
		}
		if p.Push([]byte("x")) {
			t.Fatal("push accepted past the capacity")
		}
	})
	t.Run("write goes to the conn", func(t *testing.T) {
		go func() { _, _ = p.Write([]byte("out")) }()
		buf := make([]byte, 8)
		if n, err := b.Read(buf); err != nil || string(buf[:n]) != "out" {
			t.Fatalf("conn read %q, %v", buf[:n], err)
		}
	})
	t.Run("close ends reads", func(t *testing.T) {
		q := NewDTLS(a)
		_ = q.Close()
		_ = q.Close()
		if _, err := q.Read(make([]byte, 1)); !errors.Is(err, io.EOF) {
			t.Fatalf("read after close: %v", err)
		}
	})
}

// TestReadDeadline: pion's DTLS handshake unblocks its reader with a read
// deadline when its context ends; a pipe that ignored deadlines kept a
// timed-out handshake (and its goroutines) until the endpoint closed.
func TestReadDeadline(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = a.Close(); _ = b.Close() }()
	p := NewDTLS(a)
	buf := make([]byte, 8)
	_ = p.SetReadDeadline(time.Now().Add(50 * time.Millisecond))
	if _, err := p.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read after the deadline: %v", err)
	}
	_ = p.SetReadDeadline(time.Now().Add(-time.Second))
	if _, err := p.Read(buf); !errors.Is(err, os.ErrDeadlineExceeded) {
		t.Fatalf("read with a past deadline: %v", err)
	}
	_ = p.SetReadDeadline(time.Time{})
	p.Push([]byte("rec"))
	if n, err := p.Read(buf); err != nil || string(buf[:n]) != "rec" {
		t.Fatalf("read without deadline %q, %v", buf[:n], err)
	}
}

// TestHandshakeTimeout: a DTLS server handshake over the pipe with a peer
// that never answers returns when its context ends.
func TestHandshakeTimeout(t *testing.T) {
	a, b := net.Pipe()
	defer func() { _ = a.Close(); _ = b.Close() }()
	p := NewDTLS(a)
	defer p.Close()
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		t.Fatal(err)
	}
	conn, err := dtls.ServerWithOptions(dtlsnet.PacketConnFromConn(p), b.LocalAddr(), dtls.WithCertificates(cert))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- conn.HandshakeContext(ctx) }()
	select {
	case err := <-done:
		if err == nil {
			t.Fatal("handshake without a peer succeeded")
		}
	case <-time.After(20 * time.Second):
		t.Fatal("handshake did not return after its context ended")
	}
}
