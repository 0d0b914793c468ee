package conf

import (
	"net"
	"strings"
)

// TURN configures meetd's built-in TURN relay (docs/networks.md): TURN over
// TLS on the HTTPS port, and TURN over UDP and TCP on its own port, for
// clients whose networks block UDP to the media port.
type TURN struct {
	// Enabled offers the relay to clients (XEP-0215 external services).
	Enabled bool `toml:"enabled"`
	// Listen is host:port for TURN over UDP and TCP; empty leaves only
	// TURN over TLS on the HTTPS port. If the port cannot be bound meetd
	// logs it and runs without it.
	Listen string `toml:"listen"`
	// TLSHost is a host name whose TLS connections (by SNI) on the HTTPS
	// port always go to TURN, as with Jitsi's nginx stream setup; it is
	// also the host clients are told for turns:. Empty: the public URL's
	// host, and TURN is told from HTTPS by its first bytes. The certificate
	// must cover it.
	TLSHost string `toml:"tls_host"`
	// RelayAddress is the IP relay sockets bind to; empty binds all.
	RelayAddress string `toml:"relay_address"`
	// AllocationsPerUser and AllocationsPerIP bound live relays per
	// handed-out credential and per client address.
	AllocationsPerUser int `toml:"allocations_per_user"`
	AllocationsPerIP   int `toml:"allocations_per_ip"`
	// CredentialTTL is how many seconds a handed-out credential is valid.
	CredentialTTL int `toml:"credential_ttl"`
}

func defaultTURN() TURN {
	return TURN{Enabled: true, Listen: ":3478", AllocationsPerUser: 16, AllocationsPerIP: 300, CredentialTTL: 86400}
}

func (t TURN) validate(bad badFunc) {
	if t.Listen != "" {
		if msg := checkListen(t.Listen); msg != "" {
			bad("turn.listen", "%q %s", t.Listen, msg)
		}
	}
	if t.TLSHost != "" && checkDomain(strings.ToLower(t.TLSHost)) != "" {
		bad("turn.tls_host", "%q must be a DNS name", t.TLSHost)
	}
	if t.RelayAddress != "" && net.ParseIP(t.RelayAddress) == nil {
		bad("turn.relay_address", "%q is not an IP address", t.RelayAddress)
	}
	if t.AllocationsPerUser < 1 || t.AllocationsPerUser > 1000 {
		bad("turn.allocations_per_user", "must be 1 to 1000")
	}
	if t.AllocationsPerIP < 1 || t.AllocationsPerIP > 100000 {
		bad("turn.allocations_per_ip", "must be 1 to 100000")
	}
	if t.CredentialTTL < 60 || t.CredentialTTL > 7*86400 {
		bad("turn.credential_ttl", "must be 60 to 604800 seconds")
	}
}
