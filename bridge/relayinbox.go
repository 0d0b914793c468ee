package bridge

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

// relayInbox is the uplink shortcut from the in-process TURN relay
// (relay/uplink.go, docs/networks.md "Cost of the relay"): datagrams a
// client relays to the bridge are queued here instead of being sent from
// the relay socket to the media socket, and pion's UDP mux reads them
// through the media socket's wrapper (stunGate) as if they came off the
// wire, from the relay address. The mux's reader blocks in the socket's
// receive; a push onto an empty inbox wakes it by setting the socket's
// read deadline to the past (a runtime timer change, no system call); the
// reader then clears the deadline and takes from the inbox before it
// reads the socket again. Slots are allocated once, on the first push; a
// full inbox or an oversized datagram is declined and the relay sends it
// the normal way.
type relayInbox struct {
	udp   *net.UDPConn
	inet6 bool // the media socket is AF_INET6: IPv4 sources are mapped, as the kernel reports them

	pending atomic.Int32 // queued datagrams: the reader's lock-free check
	mu      sync.Mutex
	slots   []inboxSlot
	head    int // next slot to read
}

// inboxSlots and inboxSlotSize bound the inbox: 256 datagrams of up to
// 1,600 bytes (more than the media MTU), 400 KiB once a relay uses it.
const (
	inboxSlots    = 256
	inboxSlotSize = 1600
)

type inboxSlot struct {
	buf  [inboxSlotSize]byte
	n    int
	from netip.AddrPort
}

// inThePast wakes a blocked read at once.
var inThePast = time.Unix(1, 0)

func newRelayInbox(udp *net.UDPConn) (*relayInbox, error) {
	raw, err := udp.SyscallConn()
	if err != nil {
		return nil, err
	}
	inet6, err := isInet6(raw)
	if err != nil {
		return nil, err
	}
	return &relayInbox{udp: udp, inet6: inet6}, nil
}

// isInet6 reports whether the socket is AF_INET6 (getsockname tells it on
// every Unix; SO_DOMAIN is Linux-only).
func isInet6(raw syscall.RawConn) (bool, error) {
	var local syscall.Sockaddr
	var serr error
	if err := raw.Control(func(fd uintptr) {
		local, serr = syscall.Getsockname(int(fd))
	}); err != nil {
		return false, err
	}
	if serr != nil {
		return false, serr
	}
	_, inet6 := local.(*syscall.SockaddrInet6)
	return inet6, nil
}

// put queues p from from; false: not taken.
func (in *relayInbox) put(p []byte, from netip.AddrPort) bool {
	if len(p) > inboxSlotSize || !from.IsValid() {
		return false
	}
	ip := from.Addr()
	switch {
	case in.inet6 && ip.Is4():
		from = netip.AddrPortFrom(netip.AddrFrom16(ip.As16()), from.Port())
	case !in.inet6 && !ip.Unmap().Is4():
		return false // an AF_INET socket cannot receive from IPv6
	}
	in.mu.Lock()
	if in.slots == nil {
		in.slots = make([]inboxSlot, inboxSlots)
	}
	n := int(in.pending.Load())
	if n == len(in.slots) {
		in.mu.Unlock()
		return false
	}
	s := &in.slots[(in.head+n)%len(in.slots)]
	s.n = copy(s.buf[:], p)
	s.from = from
	in.pending.Add(1)
	in.mu.Unlock()
	if n == 0 {
		// The reader may be blocked on the socket; it was not woken for
		// anything still queued (it takes all of that before it blocks).
		_ = in.udp.SetReadDeadline(inThePast)
	}
	return true
}

// take moves the oldest queued datagram into b; false: none queued.
func (in *relayInbox) take(b []byte) (int, netip.AddrPort, bool) {
	if in == nil || in.pending.Load() == 0 {
		return 0, netip.AddrPort{}, false
	}
	in.mu.Lock()
	defer in.mu.Unlock()
	if in.pending.Load() == 0 {
		return 0, netip.AddrPort{}, false
	}
	s := &in.slots[in.head]
	in.head = (in.head + 1) % len(in.slots)
	in.pending.Add(-1)
	return copy(b, s.buf[:s.n]), s.from, true
}

// woken reports whether err is put's wake-up; it clears the deadline so
// the next read blocks again. The caller takes from the inbox after this.
func (in *relayInbox) woken(err error) bool {
	if in == nil || !errors.Is(err, os.ErrDeadlineExceeded) {
		return false
	}
	_ = in.udp.SetReadDeadline(time.Time{})
	return true
}

// DeliverRelayed hands a datagram the in-process TURN relay would send to
// the media socket straight to the bridge's receive path
// (relay.Uplink); false: not taken, send it on the socket.
func (b *Bridge) DeliverRelayed(p []byte, from netip.AddrPort) bool {
	return b.inbox.put(p, from)
}
