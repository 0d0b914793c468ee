package bridge

import (
	"net/netip"
	"sync/atomic"
)

// RelayWriter hands a datagram for a client behind the in-process TURN
// relay straight to that relay (relay.DownlinkWriter, docs/networks.md
// "Cost of the relay"). Write returns false when it did not take the
// datagram; the sink then sends it on the media socket as usual.
type RelayWriter interface {
	Write(p []byte) (bool, error)
}

// RelayLookup returns the RelayWriter for a remote address that is one of
// the in-process relay's allocations, or nil.
type RelayLookup func(remote netip.AddrPort) RelayWriter

// SetLocalRelay lets the media sinks made from now on send datagrams for
// the relay's allocations through lookup's writers instead of the kernel.
func (b *Bridge) SetLocalRelay(lookup RelayLookup) {
	b.relay.Store(&lookup)
}

func (b *Bridge) relayLookup() RelayLookup {
	if p := b.relay.Load(); p != nil {
		return *p
	}
	return nil
}

// relayRoute is a sink's current relay writer (nil: the remote is not
// behind the in-process relay).
type relayRoute struct{ w RelayWriter }

// relayTarget keeps the sink's relay route in step with its remote address.
type relayTarget struct {
	lookup RelayLookup
	route  atomic.Pointer[relayRoute]
}

func (t *relayTarget) aim(ap netip.AddrPort) {
	if t.lookup == nil {
		return
	}
	t.route.Store(&relayRoute{w: t.lookup(ap)})
}

// write offers b to the relay; false: send it on the socket.
func (t *relayTarget) write(b []byte) (bool, error) {
	r := t.route.Load()
	if r == nil || r.w == nil {
		return false, nil
	}
	return r.w.Write(b)
}
