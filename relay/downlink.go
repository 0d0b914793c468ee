package relay

import (
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"syscall"
)

// The downlink shortcut (docs/networks.md "Cost of the relay"): the bridge
// runs in the same process as the relay, so a datagram the bridge sends to
// one of the relay's allocations need not travel through the kernel twice
// (bridge socket → relay socket, then relay socket → client). The bridge
// asks Downlink for the allocation's writer once per selected candidate
// pair; the writer frames each datagram as ChannelData (RFC 8656 §12.4) on
// the allocation's channel to the bridge and sends it from the TURN
// server's UDP socket straight to the client, in the bridge's goroutine.
// Everything that is not that exact case (no channel bound yet, a TCP or
// TLS allocation, an allocation gone) falls back to the normal path.

// shortcuts tracks the UDP allocations by relayed address.
type shortcuts struct {
	peers *peers
	ips   map[netip.Addr]bool // addresses a relay socket is known by (see own)
	raw   syscall.RawConn     // the TURN server's UDP socket; nil without Listen
	inet6 bool                // raw is AF_INET6 (dual stack): IPv4 clients mapped

	mu      sync.Mutex
	byRelay map[uint16]*allocation // by relayed port
	byFive  map[fiveTuple]*allocation
}

// fiveTuple names an allocation in pion's deletion event.
type fiveTuple struct{ src, dst string }

// allocation is the shortcut's view of one UDP allocation.
type allocation struct {
	client  syscall.Sockaddr
	channel atomic.Uint32 // channel number to the bridge; 0: none (yet)
	gone    atomic.Bool
}

func newShortcuts(cfg Config, p *peers, udp net.PacketConn) *shortcuts {
	s := &shortcuts{peers: p, ips: own(cfg), byRelay: map[uint16]*allocation{}, byFive: map[fiveTuple]*allocation{}}
	uc, ok := udp.(*net.UDPConn)
	if !ok {
		return s
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return s
	}
	var local syscall.Sockaddr
	_ = raw.Control(func(fd uintptr) { local, err = syscall.Getsockname(int(fd)) })
	if err != nil {
		return s
	}
	_, s.inet6 = local.(*syscall.SockaddrInet6)
	s.raw = raw
	return s
}

// own is the set of addresses the bridge may know a relay socket by: the
// relayed address clients signal (RelayIP) and the source the bridge sees
// on the relay's datagrams (RelayBind, or with a wildcard bind the
// bridge's local address the relay sends to). The relayed port tells the
// allocations apart: a port is bound once per host.
func own(cfg Config) map[netip.Addr]bool {
	ips := map[netip.Addr]bool{}
	add := func(a netip.Addr) {
		if a.IsValid() && !a.IsUnspecified() {
			ips[a.Unmap()] = true
		}
	}
	add(cfg.RelayIP)
	add(cfg.RelayBind)
	if !cfg.RelayBind.IsValid() || cfg.RelayBind.IsUnspecified() {
		for _, p := range cfg.Peers {
			add(p.Local.Addr())
		}
	}
	return ips
}

// sockaddr converts a client address for the TURN socket's family.
func (s *shortcuts) sockaddr(a net.Addr) syscall.Sockaddr {
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return nil
	}
	ap := ua.AddrPort()
	ip := ap.Addr().Unmap()
	switch {
	case s.inet6:
		return &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	case ip.Is4():
		return &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	}
	return nil
}

func addrPort(a net.Addr) (netip.AddrPort, bool) {
	ua, ok := a.(*net.UDPAddr)
	if !ok {
		return netip.AddrPort{}, false
	}
	ap := ua.AddrPort()
	return netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()), true
}

func (s *shortcuts) created(src, dst net.Addr, protocol string, relayed net.Addr) {
	if s.raw == nil || protocol != "UDP" {
		return // stream allocations: the bridge must not block on a TCP/TLS write
	}
	r, ok := addrPort(relayed)
	sa := s.sockaddr(src)
	if !ok || sa == nil {
		return
	}
	a := &allocation{client: sa}
	s.mu.Lock()
	s.byRelay[r.Port()] = a
	s.byFive[fiveTuple{src.String(), dst.String()}] = a
	s.mu.Unlock()
}

func (s *shortcuts) deleted(src, dst net.Addr) {
	k := fiveTuple{src.String(), dst.String()}
	s.mu.Lock()
	defer s.mu.Unlock()
	a := s.byFive[k]
	if a == nil {
		return
	}
	a.gone.Store(true)
	delete(s.byFive, k)
	for r, x := range s.byRelay {
		if x == a {
			delete(s.byRelay, r)
		}
	}
}

// channel records a channel bound (n > 0) or removed (n == 0) on the
// allocation relayed at relayed; only channels to the bridge count.
func (s *shortcuts) channel(relayed, peer net.Addr, n uint16) {
	r, ok := addrPort(relayed)
	p, pok := addrPort(peer)
	if !ok || !pok {
		return
	}
	if _, isBridge := s.peers.local(p); !isBridge {
		return
	}
	s.mu.Lock()
	a := s.byRelay[r.Port()]
	s.mu.Unlock()
	if a != nil {
		a.channel.Store(uint32(n))
	}
}

// Downlink returns a writer that delivers datagrams addressed to the
// relayed address to that allocation's client directly, or nil when
// relayed is not one of this relay's UDP allocations. One writer per
// sender: Write is not safe for concurrent use.
func (s *Server) Downlink(relayed netip.AddrPort) *DownlinkWriter {
	sc := s.short
	if !sc.ips[relayed.Addr().Unmap()] {
		return nil
	}
	sc.mu.Lock()
	a := sc.byRelay[relayed.Port()]
	sc.mu.Unlock()
	if a == nil {
		return nil
	}
	w := &DownlinkWriter{raw: sc.raw, a: a, buf: make([]byte, 0, 4+maxDatagram)}
	w.sendFn = func(fd uintptr) bool {
		w.err = syscall.Sendto(int(fd), w.buf, syscall.MSG_DONTWAIT, w.a.client)
		return true // never wait: a full buffer drops the datagram, as the bridge's own socket does
	}
	return w
}

// maxDatagram bounds what the shortcut frames (the bridge's MTU is lower).
const maxDatagram = 1600

// DownlinkWriter sends the bridge's datagrams for one allocation.
type DownlinkWriter struct {
	raw    syscall.RawConn
	a      *allocation
	buf    []byte
	err    error
	sendFn func(fd uintptr) bool
}

// Write sends p to the allocation's client as ChannelData. It returns
// false when it did not take p (no channel to the bridge bound, the
// allocation is gone, p too long): the caller then sends p the normal way.
// A send error after framing is returned with true: p was taken.
func (w *DownlinkWriter) Write(p []byte) (bool, error) {
	ch := w.a.channel.Load()
	if ch == 0 || w.a.gone.Load() || len(p) > maxDatagram {
		return false, nil
	}
	// ChannelData over UDP: channel number, length, data; no padding
	// needed on UDP (RFC 8656 §12.5).
	w.buf = append(w.buf[:0], byte(ch>>8), byte(ch), byte(len(p)>>8), byte(len(p)))
	w.buf = append(w.buf, p...)
	w.err = nil
	if err := w.raw.Write(w.sendFn); err != nil {
		return true, err
	}
	return true, w.err
}
