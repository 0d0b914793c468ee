package relay

import (
	"net"
	"net/netip"
	"sync/atomic"

	pturn "github.com/pion/turn/v5"
)

// Peer is one media address of the bridge: Public is what clients signal
// and send to, Local where the relay actually sends it (the bridge's bound
// address, so a relay needs no hairpin NAT to reach the bridge).
type Peer struct {
	Public, Local netip.AddrPort
}

// peers is the set of addresses relays may exchange datagrams with.
type peers struct {
	list    []Peer
	refused *atomic.Uint64
}

// allowsIP is pion's permission handler: CreatePermission and ChannelBind
// only for the bridge's public IPs.
func (p *peers) allowsIP(_ net.Addr, ip net.IP) bool {
	a, ok := netip.AddrFromSlice(ip)
	if ok {
		a = a.Unmap()
		for _, pe := range p.list {
			if pe.Public.Addr() == a {
				return true
			}
		}
	}
	p.refused.Add(1)
	return false
}

// local returns where to send a datagram addressed to public.
func (p *peers) local(public netip.AddrPort) (netip.AddrPort, bool) {
	public = netip.AddrPortFrom(public.Addr().Unmap(), public.Port())
	for _, pe := range p.list {
		if pe.Public == public {
			return pe.Local, true
		}
	}
	return netip.AddrPort{}, false
}

// public returns the address a datagram from local is reported from.
func (p *peers) public(local netip.AddrPort) (netip.AddrPort, bool) {
	local = netip.AddrPortFrom(local.Addr().Unmap(), local.Port())
	for _, pe := range p.list {
		if pe.Local == local {
			return pe.Public, true
		}
	}
	return netip.AddrPort{}, false
}

// guardedConn is a relay socket that sends only to, and accepts only from,
// the bridge: permissions are per IP (RFC 8656), this also pins the port,
// so a relay cannot reach other services on the bridge's host.
type guardedConn struct {
	net.PacketConn
	p    *peers
	last atomic.Pointer[net.UDPAddr] // public address last sent to
	up   Uplink                      // the in-process bridge's receive path (uplink.go); nil: none
}

func (g *guardedConn) WriteTo(b []byte, addr net.Addr) (int, error) {
	ua, ok := addr.(*net.UDPAddr)
	var to netip.AddrPort
	if ok {
		to, ok = g.p.local(ua.AddrPort())
	}
	if !ok {
		g.p.refused.Add(1)
		return len(b), nil // dropped silently, as a firewall would
	}
	if l := g.last.Load(); l == nil || !l.IP.Equal(ua.IP) || l.Port != ua.Port {
		g.last.Store(ua)
	}
	if g.up != nil && g.up.DeliverRelayed(b, uplinkSource(g.PacketConn.LocalAddr(), to)) {
		return len(b), nil
	}
	return g.PacketConn.WriteTo(b, net.UDPAddrFromAddrPort(to))
}

func (g *guardedConn) ReadFrom(b []byte) (int, net.Addr, error) {
	for {
		n, addr, err := g.PacketConn.ReadFrom(b)
		if err != nil {
			return n, addr, err
		}
		ua, ok := addr.(*net.UDPAddr)
		if !ok {
			continue
		}
		if l := g.last.Load(); l != nil {
			if lp, ok := g.p.local(l.AddrPort()); ok && lp == netip.AddrPortFrom(ua.AddrPort().Addr().Unmap(), ua.AddrPort().Port()) {
				return n, l, nil
			}
		}
		if pub, ok := g.p.public(ua.AddrPort()); ok {
			return n, net.UDPAddrFromAddrPort(pub), nil
		}
		g.p.refused.Add(1)
	}
}

// relayAddresses makes the guarded UDP relay sockets; TCP allocations
// (RFC 6062) are refused.
type relayAddresses struct {
	pturn.RelayAddressGeneratorStatic
	p  *peers
	up Uplink
}

func (r *relayAddresses) AllocatePacketConn(c pturn.AllocateListenerConfig) (net.PacketConn, net.Addr, error) {
	pc, addr, err := r.RelayAddressGeneratorStatic.AllocatePacketConn(c)
	if err != nil {
		return nil, nil, err
	}
	return &guardedConn{PacketConn: pc, p: r.p, up: r.up}, addr, nil
}

func (r *relayAddresses) AllocateListener(pturn.AllocateListenerConfig) (net.Listener, net.Addr, error) {
	return nil, nil, ErrTCPRelay
}

func (r *relayAddresses) AllocateConn(pturn.AllocateConnConfig) (net.Conn, error) {
	return nil, ErrTCPRelay
}
