package pipe

import (
	"errors"
	"io"
	"net"
	"testing"
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
