package bridge

import (
	"errors"
	"net"
	"net/netip"
	"sync/atomic"
	"syscall"
)

// udpSink writes an endpoint's SRTP datagrams straight to the shared media
// socket, addressed to the remote side of the selected ICE candidate pair,
// bypassing pion's ice.Conn and UDP-mux write path (an address-list scan,
// candidate bookkeeping and a clock read per packet). A send never waits:
// a full socket buffer drops the datagram (the caller counts it), so a
// stalled socket cannot hold up the sender whose reader goroutine sends.
// Calls to Write are serialised by the endpoint's writer.
type udpSink struct {
	raw    syscall.RawConn
	inet6  bool // the socket is AF_INET6 (dual-stack): IPv4 peers are mapped
	addr   atomic.Pointer[syscall.Sockaddr]
	relay  relayTarget // the remote may be an allocation of the in-process relay
	paused atomic.Bool // consent expired: nothing is sent (consent.go)

	// Per call, read by sendFn (kept as a field so a send allocates nothing).
	cur    []byte
	err    error
	sendFn func(fd uintptr) bool
}

// errNoRemote: the endpoint has no selected candidate pair yet.
var errNoRemote = errors.New("bridge: no selected candidate pair")

func newUDPSink(udp *net.UDPConn) (*udpSink, error) {
	raw, err := udp.SyscallConn()
	if err != nil {
		return nil, err
	}
	s := &udpSink{raw: raw}
	// The socket's family decides the sockaddr form of every destination.
	if s.inet6, err = isInet6(raw); err != nil {
		return nil, err
	}
	s.sendFn = func(fd uintptr) bool {
		sa := s.addr.Load()
		if sa == nil {
			s.err = errNoRemote
			return true
		}
		s.err = syscall.Sendto(int(fd), s.cur, syscall.MSG_DONTWAIT, *sa)
		return true // never wait for the socket to become writable
	}
	return s, nil
}

// setRemote points the sink at a new remote address; false when the
// address cannot be reached from this socket.
func (s *udpSink) setRemote(ap netip.AddrPort) bool {
	ip := ap.Addr().Unmap()
	var sa syscall.Sockaddr
	switch {
	case s.inet6:
		sa = &syscall.SockaddrInet6{Port: int(ap.Port()), Addr: ip.As16()}
	case ip.Is4():
		sa = &syscall.SockaddrInet4{Port: int(ap.Port()), Addr: ip.As4()}
	default:
		return false
	}
	s.addr.Store(&sa)
	s.relay.aim(ap)
	return true
}

// pause makes every send (direct or via the in-process relay) fail with
// errNoRemote until resume.
func (s *udpSink) pause() { s.paused.Store(true) }

// resume undoes pause.
func (s *udpSink) resume() { s.paused.Store(false) }

// Write sends one datagram without blocking.
func (s *udpSink) Write(b []byte) (int, error) {
	if s.paused.Load() {
		return 0, errNoRemote
	}
	if ok, err := s.relay.write(b); ok {
		if err != nil {
			return 0, err
		}
		return len(b), nil
	}
	s.cur, s.err = b, nil
	if err := s.raw.Write(s.sendFn); err != nil {
		return 0, err
	}
	s.cur = nil
	if s.err != nil {
		return 0, s.err
	}
	return len(b), nil
}

// addrPortOf converts an ICE candidate's address and port.
func addrPortOf(address string, port int) (netip.AddrPort, bool) {
	ip, err := netip.ParseAddr(address)
	if err != nil || port <= 0 || port > 0xFFFF {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(ip, uint16(port)), true
}
