package client

import (
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"time"

	"mellium.im/xmpp/jid"
)

// Default timeouts and limits for zero Config fields.
const (
	DefaultDialTimeout    = 15 * time.Second
	DefaultMaxStanzaBytes = 1 << 20
)

// Config says where and as whom the client logs in.
type Config struct {
	// Addr is the server's c2s host:port.
	Addr string
	// JID is the account's bare JID (user@domain); the domain is the stream's
	// "to" and, unless ServerName is set, the name the certificate must carry.
	JID string
	// Password is the account's password. It is never logged.
	Password string
	// Resource is the requested resource; empty lets the server choose.
	Resource string
	// RootCAs verifies the server certificate; nil uses the system roots.
	RootCAs *x509.CertPool
	// ServerName overrides the name verified in the certificate.
	ServerName string
	// DialTimeout bounds the TCP connect and the whole login (default 15 s).
	DialTimeout time.Duration
	// MaxStanzaBytes bounds one incoming stanza (default 1 MiB).
	MaxStanzaBytes int
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger

	// keepAlive is the interval of the liveness ping (default 60 s; tests
	// shorten it).
	keepAlive time.Duration
}

// account is the parsed JID.
func (c Config) validate() (jid.JID, error) {
	j, err := jid.Parse(c.JID)
	if err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		return jid.JID{}, fmt.Errorf("%w: JID %q is not a bare user@domain", ErrConfig, c.JID)
	}
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return jid.JID{}, fmt.Errorf("%w: Addr %q: %v", ErrConfig, c.Addr, err)
	}
	if c.Password == "" {
		return jid.JID{}, fmt.Errorf("%w: empty password", ErrConfig)
	}
	return j, nil
}

func (c Config) withDefaults() Config {
	if c.DialTimeout <= 0 {
		c.DialTimeout = DefaultDialTimeout
	}
	if c.MaxStanzaBytes <= 0 {
		c.MaxStanzaBytes = DefaultMaxStanzaBytes
	}
	if c.keepAlive <= 0 {
		c.keepAlive = keepAliveEvery
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.ServerName == "" {
		if j, err := jid.Parse(c.JID); err == nil {
			c.ServerName = j.Domainpart()
		}
	}
	return c
}
