package bridge

import (
	"fmt"
	"net/netip"
	"strings"
	"time"

	"github.com/pion/ice/v4"

	"meetd/xmpp/jingle"
)

// Bounds on what a client's signalled candidates can make the bridge send
// (docs/reliability.md M2/J4; docs/networks.md "Remote candidates"). Every
// signalled candidate becomes a pair that the agent checks up to
// maxBindingRequests+1 times, one round every checkInterval, so one session
// costs at most maxRemoteCandidates*(maxBindingRequests+1) binding requests,
// sent at no more than maxRemoteCandidates per checkInterval.
const (
	maxRemoteCandidates = 10
	maxBindingRequests  = 7
	checkInterval       = 200 * time.Millisecond
)

// addRemoteCandidates gives the agent the client's signalled UDP candidates,
// at most maxRemoteCandidates per endpoint and only sane targets. Clients
// usually signal none to the bridge; the agent then learns the client's
// address as a peer-reflexive candidate from its checks. It is called with
// e.mu held.
func (e *endpoint) addRemoteCandidates(cands []jingle.Candidate) {
	refused := 0
	for _, jc := range cands {
		if e.remoteCands >= maxRemoteCandidates {
			refused++
			continue
		}
		// A relay's candidates are the other bridge's own, passed on by the
		// focus, not a client's: loopback is allowed (bridges on one host).
		c, err := toICECandidate(jc, e.b.cfg.AllowLocalCandidates || e.relay != nil)
		if err != nil {
			refused++
			continue
		}
		if e.agent.AddRemoteCandidate(c) == nil {
			e.remoteCands++
		}
	}
	if refused > 0 {
		e.b.counters.refusedCands.Add(uint64(refused))
		e.log.Info("remote candidates refused", "count", refused, "accepted", e.remoteCands)
	}
}

// toICECandidate converts a signalled candidate, refusing anything but a
// UDP candidate of component 1 with a literal, routable unicast address.
func toICECandidate(jc jingle.Candidate, allowLocal bool) (ice.Candidate, error) {
	if !strings.EqualFold(jc.Protocol, "udp") || jc.Component > 1 || jc.Port <= 0 || jc.Port > 65535 {
		return nil, ErrBadCandidate
	}
	ip, err := netip.ParseAddr(jc.IP)
	if err != nil || ip.Zone() != "" || !targetAllowed(ip, allowLocal) {
		return nil, ErrBadCandidate
	}
	typ := jc.Type
	if typ == "" {
		typ = "host"
	}
	s := fmt.Sprintf("%s %d udp %d %s %d typ %s", nonEmpty(jc.Foundation, "1"), max(jc.Component, 1),
		jc.Priority, ip.Unmap(), jc.Port, typ)
	if ra, err := netip.ParseAddr(jc.RelAddr); err == nil && ra.Zone() == "" && jc.RelPort >= 0 && jc.RelPort <= 65535 {
		s += fmt.Sprintf(" raddr %s rport %d", ra, jc.RelPort)
	}
	c, err := ice.UnmarshalCandidate(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadCandidate, err)
	}
	return c, nil
}

// targetAllowed says whether the bridge may send checks to ip: never to an
// unspecified, multicast or broadcast address, and to loopback and
// link-local (which includes cloud metadata at 169.254.169.254) only when
// the configuration allows local candidates (tests).
func targetAllowed(ip netip.Addr, allowLocal bool) bool {
	ip = ip.Unmap()
	switch {
	case !ip.IsValid(), ip.IsUnspecified(), ip.IsMulticast(), ip == netip.AddrFrom4([4]byte{255, 255, 255, 255}):
		return false
	case ip.IsLoopback(), ip.IsLinkLocalUnicast():
		return allowLocal
	}
	return true
}

func nonEmpty(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// Host candidate priorities (RFC 8445 §5.1.2.1): UDP with the highest type
// preference; ICE-TCP passive (RFC 6544 §4.2) lower, so a client that can
// use UDP does, and TCP is taken only when UDP checks fail.
const (
	udpHostPriority = 126<<24 | 65535<<8 | 255
	tcpHostPriority = 90<<24 | (4<<13|8191)<<8 | 255
)

// transportOptions are the agent options for the bridge's sockets: the
// shared UDP port and, when configured, the shared ICE-TCP port (passive
// only: the bridge never dials out).
func (b *Bridge) transportOptions() []ice.AgentOption {
	types := []ice.NetworkType{ice.NetworkTypeUDP4, ice.NetworkTypeUDP6}
	opts := []ice.AgentOption{ice.WithUDPMux(b.mux)}
	if b.tcp != nil {
		types = append(types, ice.NetworkTypeTCP4, ice.NetworkTypeTCP6)
		opts = append(opts, ice.WithTCPMux(b.tcp.mux), ice.WithDisableActiveTCP())
	}
	return append(opts, ice.WithNetworkTypes(types))
}

// relayCandidates are a relay's candidates: a UDP host candidate per
// advertised IP on the relay's own port (relay_socket.go).
func (b *Bridge) relayCandidates(ufrag string, port int) []jingle.Candidate {
	out := make([]jingle.Candidate, 0, len(b.advertise))
	for i, ip := range b.advertise {
		out = append(out, jingle.Candidate{Component: 1, Foundation: fmt.Sprint(i + 1), ID: fmt.Sprintf("%s-%d", ufrag[:6], i+1),
			IP: ip, Port: port, Priority: udpHostPriority - uint32(i), Protocol: "udp", Type: "host"})
	}
	return out
}

// localCandidates are the bridge's candidates for an endpoint's answer: a
// UDP host candidate per advertised IP and, with ICE-TCP, a passive TCP one.
func (b *Bridge) localCandidates(ufrag string) []jingle.Candidate {
	var out []jingle.Candidate
	add := func(ip, proto, tcpType string, port int, prio uint32) {
		n := len(out) + 1
		out = append(out, jingle.Candidate{Component: 1, Foundation: fmt.Sprint(n), ID: fmt.Sprintf("%s-%d", ufrag[:6], n),
			IP: ip, Port: port, Priority: prio, Protocol: proto, Type: "host", TCPType: tcpType})
	}
	for i, ip := range b.advertise {
		add(ip, "udp", "", b.UDPAddr().Port, udpHostPriority-uint32(i))
	}
	if b.tcp != nil {
		for i, ip := range b.advertise {
			add(ip, "tcp", "passive", b.tcp.port, tcpHostPriority-uint32(i))
		}
	}
	return out
}
