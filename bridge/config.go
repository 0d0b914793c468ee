package bridge

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"time"
)

// Config configures a Bridge.
type Config struct {
	// ID is the bridge's nickname in the brewery and its WebSocket path
	// segment, e.g. "jvb1".
	ID string
	// UDPListen is the media address, e.g. "127.0.0.1:10000"; port 0 picks one.
	UDPListen string
	// TCPListen is the ICE-TCP address (RFC 6544 passive candidates, on the
	// advertised IPs); empty: no TCP candidates.
	TCPListen string
	// AdvertiseIPs are the addresses put into host candidates (all on the one
	// UDP port). Empty means the IP of UDPListen.
	AdvertiseIPs []string
	// WebSocketURL is the base bridge-channel URL, e.g.
	// "wss://localhost:8443/colibri-ws/jvb1"; an endpoint's URL is
	// base+"/"+meetingID+"/"+endpointID+"?pwd="+secret. Empty: no WebSocket offered.
	WebSocketURL string
	// RelayTLS verifies the other bridges' relay channels (wss); nil:
	// the system roots.
	RelayTLS *tls.Config
	// Region is announced in the brewery presence (the focus prefers a
	// bridge in the participant's region); empty: none.
	Region string
	// Version is announced in the brewery presence (the focus never mixes
	// versions in one conference); empty: "meetd".
	Version string
	// RelayID is the bridge's id for bridge-to-bridge relays; empty: ID.
	RelayID string
	// CapacityPPS is the packet rate (received plus forwarded per second)
	// at which the bridge announces stress 1.0; 0 means DefaultCapacityPPS.
	CapacityPPS float64
	// BreweryRoom is the brewery MUC, e.g. "jvbbrewery@internal.auth.localhost".
	BreweryRoom string
	// AllowLocalCandidates lets signalled remote candidates name loopback
	// and link-local addresses (tests on one host); off, the bridge never
	// sends checks there.
	AllowLocalCandidates bool
	// ChannelIdle closes a bridge-channel WebSocket that delivered nothing,
	// not even a pong to the bridge's pings (every quarter of it), for this
	// long; 0 means 60 s.
	ChannelIdle time.Duration
	// ForwardSilence forwards silent audio packets to receivers; off (the
	// default, as Jitsi Videobridge), they are dropped and counted
	// (docs/media.md#silence).
	ForwardSilence bool
	// Logger receives the bridge's logs; nil discards them.
	Logger *slog.Logger
}

func (c *Config) validate() error {
	if c.ID == "" {
		return fmt.Errorf("%w: empty ID", ErrConfig)
	}
	if c.UDPListen == "" {
		return fmt.Errorf("%w: empty UDPListen", ErrConfig)
	}
	for _, ip := range c.AdvertiseIPs {
		if net.ParseIP(ip) == nil {
			return fmt.Errorf("%w: bad advertise IP %q", ErrConfig, ip)
		}
	}
	if c.CapacityPPS < 0 {
		return fmt.Errorf("%w: negative CapacityPPS", ErrConfig)
	}
	if c.Version == "" {
		c.Version = "meetd"
	}
	if c.RelayID == "" {
		c.RelayID = c.ID
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}
