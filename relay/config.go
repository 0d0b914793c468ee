package relay

import (
	"fmt"
	"log/slog"
	"net/netip"
	"time"
)

// Defaults for the zero values of Config.
const (
	DefaultPerUser       = 16
	DefaultPerIP         = 300
	DefaultCredentialTTL = 24 * time.Hour
	// DefaultConnsPerIP bounds TURN/TCP connections from one address on
	// Listen (TURN over TLS is bounded by the HTTPS listener's own cap).
	DefaultConnsPerIP = 300
	// DefaultStreamIdle is Config.StreamIdle's default.
	DefaultStreamIdle = 11 * time.Minute
)

// Config configures a Server.
type Config struct {
	// Realm is the TURN realm (meetd uses its domain).
	Realm string
	// Secret is the HMAC-SHA1 key of the credentials; empty picks a random
	// one, valid for this process only.
	Secret []byte
	// Listen is host:port for TURN over UDP and TCP; empty: neither (TURN
	// over TLS through Deliver still works).
	Listen string
	// RelayIP is the address put in XOR-RELAYED-ADDRESS (clients tell it to
	// the bridge as their relay candidate). Required.
	RelayIP netip.Addr
	// RelayBind is the IP relay sockets bind to; invalid means all.
	RelayBind netip.Addr
	// Peers are the only addresses an allocation may exchange datagrams
	// with: the bridge's media addresses. Required.
	Peers []Peer
	// PerUser and PerIP bound the live allocations per credential user and
	// per client address; 0 means the defaults.
	PerUser, PerIP int
	// ConnsPerIP bounds open TURN/TCP connections per client address on Listen.
	ConnsPerIP int
	// StreamIdle closes a TURN/TCP or TURN/TLS connection that sent nothing
	// for this long (0: DefaultStreamIdle, longer than an allocation lives
	// without a refresh).
	StreamIdle time.Duration
	// CredentialTTL is how long handed-out credentials stay valid.
	CredentialTTL time.Duration
	// AllocationLifetime caps an allocation's life between refreshes
	// (0: pion's default of 10 minutes).
	AllocationLifetime time.Duration
	// Logger receives the relay's logs; nil discards them.
	Logger *slog.Logger
	// Uplink, when set, takes the datagrams relayed to the bridge
	// (uplink.go); nil: they are sent on the relay socket.
	Uplink Uplink
}

func (c *Config) validate() error {
	if !c.RelayIP.IsValid() {
		return fmt.Errorf("%w: no relay IP", ErrConfig)
	}
	if len(c.Peers) == 0 {
		return fmt.Errorf("%w: no peers", ErrConfig)
	}
	peers := make([]Peer, len(c.Peers)) // the caller's slice stays as it was
	for i, p := range c.Peers {
		if !p.Public.IsValid() || p.Public.Port() == 0 || !p.Local.IsValid() || p.Local.Port() == 0 {
			return fmt.Errorf("%w: bad peer %v", ErrConfig, p)
		}
		peers[i] = Peer{Public: unmap(p.Public), Local: unmap(p.Local)}
	}
	c.Peers = peers
	if c.PerUser <= 0 {
		c.PerUser = DefaultPerUser
	}
	if c.PerIP <= 0 {
		c.PerIP = DefaultPerIP
	}
	if c.ConnsPerIP <= 0 {
		c.ConnsPerIP = DefaultConnsPerIP
	}
	if c.StreamIdle <= 0 {
		c.StreamIdle = DefaultStreamIdle
	}
	if c.CredentialTTL <= 0 {
		c.CredentialTTL = DefaultCredentialTTL
	}
	if c.Realm == "" {
		c.Realm = "meetd"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return nil
}

func unmap(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr().Unmap(), a.Port()) }
