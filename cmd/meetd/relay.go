package main

import (
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"time"

	"meetd/bridge"
	"meetd/conf"
	"meetd/relay"
	"meetd/web"
	"meetd/xmpp"
)

// newRelay starts the TURN relay in front of br ([turn]; docs/networks.md).
// When turn.listen cannot be bound it logs that and runs with TURN over
// TLS on the HTTPS port only. It returns nil when [turn] is off, and
// without the built-in bridge (the relay may only reach the bridge's own
// media addresses, which it knows only for a bridge in this process).
func newRelay(cfg *conf.Config, br *bridge.Bridge, log *slog.Logger) (*relay.Server, error) {
	if !cfg.TURN.Enabled {
		return nil, nil
	}
	if br == nil {
		log.Warn("turn: off, it relays only to the built-in bridge ([bridges] builtin = false)")
		return nil, nil
	}
	rc, err := relayConfig(cfg, br, log)
	if err != nil {
		return nil, err
	}
	rs, err := relay.New(rc)
	if err != nil && rc.Listen != "" {
		log.Warn("turn: port not available, TURN over TLS on the HTTPS port only", "listen", rc.Listen, "err", err)
		rc.Listen = ""
		rs, err = relay.New(rc)
	}
	if err != nil {
		return nil, err
	}
	// The bridge hands datagrams for the relay's clients to it directly
	// (relay/downlink.go): no second trip through the kernel.
	br.SetLocalRelay(func(ap netip.AddrPort) bridge.RelayWriter {
		if w := rs.Downlink(ap); w != nil {
			return w
		}
		return nil
	})
	return rs, nil
}

func relayConfig(cfg *conf.Config, br *bridge.Bridge, log *slog.Logger) (relay.Config, error) {
	media := br.UDPAddr().AddrPort()
	local := media.Addr().Unmap()
	if local.IsUnspecified() {
		local = netip.AddrFrom4([4]byte{127, 0, 0, 1}) // the bridge listens on every address
	}
	rc := relay.Config{Realm: cfg.Domain, Listen: cfg.TURN.Listen,
		PerUser: cfg.TURN.AllocationsPerUser, PerIP: cfg.TURN.AllocationsPerIP,
		CredentialTTL: time.Duration(cfg.TURN.CredentialTTL) * time.Second, Logger: log,
		Uplink: br} // datagrams relayed to the bridge skip the kernel (relay/uplink.go)
	for _, ip := range cfg.Media.Advertise {
		a, err := netip.ParseAddr(ip)
		if err != nil {
			return rc, fmt.Errorf("turn: media.advertise %q: %w", ip, err)
		}
		rc.Peers = append(rc.Peers, relay.Peer{Public: netip.AddrPortFrom(a.Unmap(), media.Port()),
			Local: netip.AddrPortFrom(local, media.Port())})
	}
	if len(rc.Peers) > 0 {
		rc.RelayIP = rc.Peers[0].Public.Addr()
	}
	if cfg.TURN.RelayAddress != "" {
		rc.RelayBind, _ = netip.ParseAddr(cfg.TURN.RelayAddress)
	}
	return rc, nil
}

// relayServices is the XEP-0215 answer for one session: TURN over TLS on
// the HTTPS port (what the bridge connection uses: lib-jitsi-meet gives
// the bridge's peer connection only TURN entries with transport=tcp
// unless config.useTurnUdp) and, when the TURN port is bound, STUN and
// TURN over UDP and TCP on it.
func relayServices(rs *relay.Server, cfg *conf.Config, pub *url.URL) func(jid string) []xmpp.ExternalService {
	host := pub.Hostname()
	tlsHost := cfg.TURN.TLSHost
	if tlsHost == "" {
		tlsHost = host
	}
	tlsPort := 443
	if p, err := strconv.Atoi(pub.Port()); err == nil {
		tlsPort = p
	}
	return func(jid string) []xmpp.ExternalService {
		user, _, _ := strings.Cut(jid, "@")
		cred := rs.Credential(user, time.Now())
		turn := func(typ, h string, port int, transport string) xmpp.ExternalService {
			return xmpp.ExternalService{Type: typ, Host: h, Port: port, Transport: transport,
				Username: cred.Username, Password: cred.Password, Expires: cred.Expires}
		}
		out := []xmpp.ExternalService{turn("turns", tlsHost, tlsPort, "tcp")}
		if a := rs.Addr(); a != nil {
			out = append(out,
				xmpp.ExternalService{Type: "stun", Host: host, Port: int(a.Port()), Transport: "udp"},
				turn("turn", host, int(a.Port()), "udp"), turn("turn", host, int(a.Port()), "tcp"))
		}
		return out
	}
}

// mediaPaths is the start-up line naming the ways clients' media can reach
// the bridge (docs/networks.md), e.g.
//
//	media paths: udp [::]:10000, ice-tcp off, turn over tls on the https port, turn udp+tcp [::]:3478
func mediaPaths(br *bridge.Bridge, rs *relay.Server) string {
	if br == nil {
		return "media paths: the bridges in the brewery ([bridges] builtin = false)"
	}
	tcp := "ice-tcp off"
	if a := br.TCPAddr(); a != nil {
		tcp = "ice-tcp " + a.String()
	}
	turn := "turn off"
	if rs != nil {
		turn = "turn over tls on the https port"
		if a := rs.Addr(); a != nil {
			turn += ", turn udp+tcp " + a.String()
		} else {
			turn += ", turn udp+tcp unavailable"
		}
	}
	return fmt.Sprintf("media paths: udp %s, %s, %s", br.UDPAddr(), tcp, turn)
}

// checkPaths is what `meetd check` says about the media paths: which ports
// the configuration opens and whether they are free on this machine now
// (a running meetd holds them). Whether they are reachable from outside
// only a client there can tell: /_meetd/devicetest reports the path its
// test call took.
func checkPaths(cfg *conf.Config) []string {
	adv := strings.Join(cfg.Media.Advertise, ",")
	out := []string{fmt.Sprintf("udp %s advertised %s: %s", cfg.Media.Listen, adv, portState("udp", cfg.Media.Listen))}
	if cfg.Media.TCPListen == "" {
		out = append(out, "ice-tcp off (media.tcp_listen)")
	} else {
		out = append(out, fmt.Sprintf("ice-tcp %s advertised %s: %s", cfg.Media.TCPListen, adv, portState("tcp", cfg.Media.TCPListen)))
	}
	if !cfg.TURN.Enabled {
		return append(out, "turn off (turn.enabled)")
	}
	out = append(out, fmt.Sprintf("turn over tls on the https port %s: on", cfg.HTTP.Listen))
	if cfg.TURN.Listen == "" {
		return append(out, "turn udp+tcp off (turn.listen)")
	}
	return append(out, fmt.Sprintf("turn udp+tcp %s: udp %s, tcp %s", cfg.TURN.Listen,
		portState("udp", cfg.TURN.Listen), portState("tcp", cfg.TURN.Listen)))
}

// portState tries to bind addr and says whether it is free.
func portState(network, addr string) string {
	var err error
	if network == "udp" {
		var pc net.PacketConn
		if pc, err = net.ListenPacket("udp", addr); err == nil {
			_ = pc.Close()
		}
	} else {
		var ln net.Listener
		if ln, err = net.Listen("tcp", addr); err == nil {
			_ = ln.Close()
		}
	}
	if err != nil {
		return fmt.Sprintf("cannot bind now (%v; is meetd running?)", err)
	}
	return "free"
}

// withMediaPathStats adds the relay's and the candidate checks' counters to
// the parts' metrics (ops.go).
func withMediaPathStats(stats func() []web.Metric, rs *relay.Server, br *bridge.Bridge) func() []web.Metric {
	if br == nil {
		return stats // no built-in bridge: no relay either ([bridges] validation)
	}
	return func() []web.Metric {
		c := func(name, help string, v uint64, labels ...string) web.Metric {
			return web.Metric{Name: name, Help: help, Type: "counter", Labels: labels, Value: float64(v)}
		}
		out := append(stats(), c("meetd_bridge_refused_candidates_total",
			"signalled remote ICE candidates the bridge refused (count bound, loopback/link-local/multicast targets, names)",
			br.Stats().RefusedCandidates))
		if rs == nil {
			return out
		}
		s := rs.Stats()
		const refusedHelp = "TURN requests and connections refused, by reason"
		return append(out,
			web.Metric{Name: "meetd_turn_allocations", Help: "live TURN allocations", Type: "gauge", Value: float64(s.Allocations)},
			c("meetd_turn_refused_total", refusedHelp, s.AuthRefused, "reason", "credentials"),
			c("meetd_turn_refused_total", refusedHelp, s.QuotaRefused, "reason", "quota"),
			c("meetd_turn_refused_total", refusedHelp, s.PeerRefused, "reason", "peer"),
			c("meetd_turn_refused_total", refusedHelp, s.ConnRefused, "reason", "connections_per_ip"))
	}
}
