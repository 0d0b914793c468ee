package relay

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"
)

// connSet tracks the TURN stream connections handed to pion, so Close can
// end them (pion closes its listeners but not the connections it reads),
// and bounds them per client address.
type connSet struct {
	perIP   int
	idle    time.Duration // a connection that sends nothing this long is closed
	refused *atomic.Uint64

	mu     sync.Mutex
	closed bool
	conns  map[*trackedConn]struct{}
	byIP   map[netip.Addr]int
}

func newConnSet(perIP int, idle time.Duration, refused *atomic.Uint64) *connSet {
	return &connSet{perIP: perIP, idle: idle, refused: refused, conns: map[*trackedConn]struct{}{}, byIP: map[netip.Addr]int{}}
}

// adopt wraps c, or closes it and returns nil when its address is at the cap
// or the set is closed.
func (s *connSet) adopt(c net.Conn) net.Conn {
	ip := addrIP(c.RemoteAddr())
	s.mu.Lock()
	if s.closed || s.byIP[ip] >= s.perIP {
		s.mu.Unlock()
		s.refused.Add(1)
		_ = c.Close()
		return nil
	}
	t := &trackedConn{Conn: c, set: s, ip: ip}
	s.conns[t] = struct{}{}
	s.byIP[ip]++
	s.mu.Unlock()
	return t
}

func (s *connSet) forget(t *trackedConn) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.conns[t]; !ok {
		return
	}
	delete(s.conns, t)
	if s.byIP[t.ip]--; s.byIP[t.ip] <= 0 {
		delete(s.byIP, t.ip)
	}
}

func (s *connSet) closeAll() {
	s.mu.Lock()
	s.closed = true
	conns := make([]*trackedConn, 0, len(s.conns))
	for t := range s.conns {
		conns = append(conns, t)
	}
	s.mu.Unlock()
	for _, t := range conns {
		_ = t.Close()
	}
}

func (s *connSet) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.conns)
}

type trackedConn struct {
	net.Conn
	set  *connSet
	ip   netip.Addr
	once sync.Once
}

// Read reads with the set's idle deadline: a peer that stops sending (no
// refreshes, no media) is dropped, its allocation with it.
func (t *trackedConn) Read(b []byte) (int, error) {
	_ = t.Conn.SetReadDeadline(time.Now().Add(t.set.idle))
	return t.Conn.Read(b)
}

func (t *trackedConn) Close() error {
	err := t.Conn.Close()
	t.once.Do(func() { t.set.forget(t) })
	return err
}

// capListener applies a connSet to a TCP listener.
type capListener struct {
	net.Listener
	set *connSet
}

func (l *capListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		if t := l.set.adopt(c); t != nil {
			return t, nil
		}
	}
}

// handoff is the listener pion reads TURN-over-TLS connections from: the
// web listener hands them over with Deliver after the TLS handshake.
type handoff struct {
	set   *connSet
	ch    chan net.Conn
	done  chan struct{}
	once  sync.Once
	local net.Addr
}

func newHandoff(set *connSet) *handoff {
	return &handoff{set: set, ch: make(chan net.Conn), done: make(chan struct{}),
		local: &net.TCPAddr{IP: net.IPv4zero}}
}

// deliver gives pion one connection; false (and c closed) once closed.
func (h *handoff) deliver(c net.Conn) bool {
	t := h.set.adopt(c)
	if t == nil {
		return false
	}
	select {
	case h.ch <- t:
		return true
	case <-h.done:
		_ = t.Close()
		return false
	}
}

func (h *handoff) Accept() (net.Conn, error) {
	select {
	case c := <-h.ch:
		return c, nil
	case <-h.done:
		return nil, net.ErrClosed
	}
}

func (h *handoff) Close() error {
	h.once.Do(func() { close(h.done) })
	return nil
}

func (h *handoff) Addr() net.Addr { return h.local }
