package web

import (
	"log/slog"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
)

// ipCapListener caps the open connections per remote address
// (docs/bad-input.md#t1): a connection from an address that already has
// max open is closed as soon as it is accepted, before the TLS handshake,
// so one address cannot hold the server's connections (slowloris from
// many sockets). Connections count until they are closed, also after
// net/http hands them to a WebSocket handler.
type ipCapListener struct {
	net.Listener
	max     int
	log     *slog.Logger
	refused *atomic.Int64

	mu   sync.Mutex
	open map[netip.Addr]int
}

// capPerIP wraps ln; max ≤ 0 returns ln unchanged. refused counts the
// connections closed for the cap.
func capPerIP(ln net.Listener, max int, refused *atomic.Int64, log *slog.Logger) net.Listener {
	if max <= 0 {
		return ln
	}
	return &ipCapListener{Listener: ln, max: max, log: log, refused: refused, open: make(map[netip.Addr]int)}
}

// Accept returns the next connection within the cap, closing those over it.
func (l *ipCapListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := capKey(remoteIP(c))
		if l.acquire(ip) {
			return &ipCapConn{Conn: c, release: func() { l.release(ip) }}, nil
		}
		if n := l.refused.Add(1); n&(n-1) == 0 { // log the 1st, 2nd, 4th, 8th… refusal
			l.log.Warn("web: connection refused, too many open from one address",
				"ip", ip.String(), "cap", l.max, "refused_total", n)
		}
		_ = c.Close()
	}
}

func (l *ipCapListener) acquire(ip netip.Addr) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip] >= l.max {
		return false
	}
	l.open[ip]++
	return true
}

func (l *ipCapListener) release(ip netip.Addr) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.open[ip]--; l.open[ip] <= 0 {
		delete(l.open, ip)
	}
}

// remoteIP is the connection's remote address without port (IPv4-mapped
// IPv6 unmapped); the zero Addr when it is not TCP.
func remoteIP(c net.Conn) netip.Addr {
	if a, ok := c.RemoteAddr().(*net.TCPAddr); ok {
		return a.AddrPort().Addr().Unmap()
	}
	return netip.Addr{}
}

// capKey is the address the cap counts for ip: ip itself for IPv4, its /64
// for IPv6 (one subscriber usually holds a whole /64, so counting single
// IPv6 addresses would let one host open connections without limit).
func capKey(ip netip.Addr) netip.Addr {
	if ip.Is6() {
		p, _ := ip.WithZone("").Prefix(64)
		return p.Addr()
	}
	return ip
}

// ipCapConn releases its place under the cap once, when closed.
type ipCapConn struct {
	net.Conn
	once    sync.Once
	release func()
}

// Close closes the connection and frees its place.
func (c *ipCapConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(c.release)
	return err
}
