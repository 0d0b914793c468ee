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
	"meetd/xmpp"
)

// newRelay starts the TURN relay in front of br ([turn]; docs/networks.md).
// When turn.listen cannot be bound it logs that and runs with TURN over
// TLS on the HTTPS port only. It returns nil when [turn] is off.
func newRelay(cfg *conf.Config, br *bridge.Bridge, log *slog.Logger) (*relay.Server, error) {
	if !cfg.TURN.Enabled {
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
		CredentialTTL: time.Duration(cfg.TURN.CredentialTTL) * time.Second, Logger: log}
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

// relayAddr describes the relay for the start-up lines.
func relayAddr(rs *relay.Server) string {
	if rs == nil {
		return "off"
	}
	if a := rs.Addr(); a != nil {
		return "tls on the https port, udp+tcp " + net.JoinHostPort(a.Addr().String(), strconv.Itoa(int(a.Port())))
	}
	return "tls on the https port"
}
