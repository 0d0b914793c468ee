package relay

import (
	"net"
	"net/netip"
)

// The uplink shortcut (docs/networks.md "Cost of the relay"): a datagram a
// client relays to the bridge would cross the kernel twice (the relay
// socket's send, the bridge socket's receive). With the bridge in the same
// process the relay socket hands it to the bridge's receive path instead,
// with the source address the bridge would have seen on the wire. This is
// the relay socket's side, so it serves every client transport (UDP, TCP
// and TLS to the TURN server): the relayed leg is always UDP.

// Uplink takes datagrams relayed to the bridge's media address.
type Uplink interface {
	// DeliverRelayed hands p, sent from the relay address from, to the
	// bridge; false: not taken (the relay then sends it on its socket).
	// p is only valid during the call.
	DeliverRelayed(p []byte, from netip.AddrPort) bool
}

// uplinkSource is the source address the bridge sees on datagrams from the
// relay socket local sent to the bridge's address to: the bound IP, or
// with a wildcard bind the one the kernel picks for a local destination,
// the destination's own address (its local route's preferred source).
func uplinkSource(local net.Addr, to netip.AddrPort) netip.AddrPort {
	ua, ok := local.(*net.UDPAddr)
	if !ok {
		return netip.AddrPort{}
	}
	ap := ua.AddrPort()
	ip := ap.Addr().Unmap()
	if ip.IsUnspecified() {
		ip = to.Addr().Unmap()
	}
	return netip.AddrPortFrom(ip, ap.Port())
}
