package client

import (
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// freezingProxy forwards TCP to upstream until frozen; then it stops
// forwarding without closing anything, as a dead host or a cut cable does.
type freezingProxy struct {
	ln     net.Listener
	frozen atomic.Bool
	mu     sync.Mutex
	conns  []net.Conn
	wg     sync.WaitGroup
}

func startProxy(t *testing.T, upstream string) *freezingProxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &freezingProxy{ln: ln}
	p.wg.Add(1)
	go func() {
		defer p.wg.Done()
		for {
			down, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", upstream)
			if err != nil {
				_ = down.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, down, up)
			p.mu.Unlock()
			p.wg.Add(2)
			go p.pipe(up, down)
			go p.pipe(down, up)
		}
	}()
	t.Cleanup(func() {
		_ = ln.Close()
		p.mu.Lock()
		for _, c := range p.conns {
			_ = c.Close()
		}
		p.mu.Unlock()
		p.wg.Wait()
	})
	return p
}

func (p *freezingProxy) pipe(dst, src net.Conn) {
	defer p.wg.Done()
	buf := make([]byte, 4096)
	for {
		n, err := src.Read(buf)
		if err != nil {
			return
		}
		if p.frozen.Load() {
			continue // swallowed: the peer never sees it
		}
		if _, err := dst.Write(buf[:n]); err != nil {
			return
		}
	}
}

// TestDeadServerDetected: a server that stops answering without closing
// the connection is detected by the liveness ping, and the connection ends
// with ErrPingTimeout (so Keep dials again).
func TestDeadServerDetected(t *testing.T) {
	tg := startMeetd(t)
	tg.logs = &syncBuffer{}
	p := startProxy(t, tg.addr)
	cfg := tg.config()
	cfg.Addr = p.ln.Addr().String()
	cfg.keepAlive = 2 * time.Second // generous: the ping must be answered within it under load
	c := dial(t, cfg)
	// Alive: several pings are answered.
	select {
	case <-c.Done():
		t.Fatalf("connection ended while the server answered: %v", c.Err())
	case <-time.After(5 * time.Second): // two pings
	}
	p.frozen.Store(true)
	select {
	case <-c.Done():
	case <-time.After(waitTimeout):
		t.Fatal("a frozen server was not noticed")
	}
	if err := c.Err(); !errors.Is(err, ErrPingTimeout) {
		t.Fatalf("connection ended with %v, want ErrPingTimeout", err)
	}
}
