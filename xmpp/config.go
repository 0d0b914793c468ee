package xmpp

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"mellium.im/xmpp/jid"
)

// Defaults applied by NewServer to zero Config fields.
const (
	DefaultMaxStanzaBytes = 256 << 10
	DefaultPreAuthTimeout = 30 * time.Second
	DefaultIdleTimeout    = 60 * time.Second
	DefaultResumeTimeout  = 60 * time.Second
	DefaultBOSHInactivity = 60 * time.Second
	defaultQueueLen       = 4096
)

// Config describes the XMPP service. Domain, MUCDomain, FocusDomain,
// AuthDomain and InternalMUCDomain are required.
type Config struct {
	Domain            string // main host; guests log in here (SASL ANONYMOUS)
	MUCDomain         string // conference MUC, e.g. conference.localhost
	FocusDomain       string // focus component address, e.g. focus.localhost
	AuthDomain        string // host of the service accounts, e.g. auth.localhost
	InternalMUCDomain string // brewery MUC, e.g. internal.auth.localhost

	// RoomCreators are the bare JIDs allowed to create rooms in MUCDomain.
	RoomCreators []string
	// GuestDomain, when set, is a second host where guests log in with SASL
	// ANONYMOUS (Jitsi's hosts.anonymousdomain of a "secure domain" install),
	// so that the web app's login dialog logs hosts in on Domain.
	GuestDomain string
	// HiddenDomain, when set, is the domain of the recorder occupant the
	// focus adds to a room while it records (config.js hiddenDomain,
	// docs/recording.md). It is no host (nobody logs in there); only an
	// in-process session that aliases it sends from it, and its occupants
	// pass lobby, password and room size like service accounts.
	HiddenDomain string
	// Lobby, when its Domain is set, serves the lobby rooms of MUCDomain
	// (docs/lobby.md) and announces them to clients.
	Lobby Lobby
	// MaxStanzaBytes bounds one incoming stanza (default 256 KiB).
	MaxStanzaBytes int
	// PreAuthTimeout closes streams that have not bound a resource in time
	// (default 30 s).
	PreAuthTimeout time.Duration
	// IdleTimeout closes a WebSocket that delivered nothing, not even a pong
	// to the server's pings, for this long (default 60 s, as JVB's
	// WebSockets; pings go every quarter of it).
	IdleTimeout time.Duration
	// ResumeTimeout is how long a stream-managed session whose connection
	// dropped waits for a resumption (XEP-0198); 0 means 60 s, negative
	// turns resumption off.
	ResumeTimeout time.Duration
	// BOSHInactivity ends a BOSH session when the client has had no
	// request open for this long (default 60 s).
	BOSHInactivity time.Duration
	// Auth configures password accounts, JWT tokens and guest access.
	Auth Auth
	// Limits bound sessions, IP addresses and rooms (zero fields: defaults).
	Limits Limits
	// CheckOrigin decides WebSocket upgrades by Origin; nil allows any origin.
	CheckOrigin func(r *http.Request) bool
	// ExternalServices lists the STUN/TURN services (with credentials) for
	// the session of the given full JID, for XEP-0215 requests; nil: none.
	ExternalServices func(jid string) []ExternalService
	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
}

func (c Config) withDefaults() Config {
	if c.MaxStanzaBytes <= 0 {
		c.MaxStanzaBytes = DefaultMaxStanzaBytes
	}
	if c.PreAuthTimeout <= 0 {
		c.PreAuthTimeout = DefaultPreAuthTimeout
	}
	if c.IdleTimeout <= 0 {
		c.IdleTimeout = DefaultIdleTimeout
	}
	if c.ResumeTimeout == 0 {
		c.ResumeTimeout = DefaultResumeTimeout
	}
	if c.BOSHInactivity <= 0 {
		c.BOSHInactivity = DefaultBOSHInactivity
	}
	c.Limits = c.Limits.withDefaults()
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}

func (c Config) validate() error {
	named := []struct{ name, value string }{
		{"Domain", c.Domain}, {"MUCDomain", c.MUCDomain}, {"FocusDomain", c.FocusDomain},
		{"AuthDomain", c.AuthDomain}, {"InternalMUCDomain", c.InternalMUCDomain},
	}
	if c.Lobby.Domain != "" {
		named = append(named, struct{ name, value string }{"Lobby.Domain", c.Lobby.Domain})
	}
	if c.GuestDomain != "" {
		named = append(named, struct{ name, value string }{"GuestDomain", c.GuestDomain})
	}
	if c.HiddenDomain != "" {
		named = append(named, struct{ name, value string }{"HiddenDomain", c.HiddenDomain})
	}
	seen := map[string]string{}
	for _, n := range named {
		j, err := jid.Parse(n.value)
		if n.value == "" || err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
			return fmt.Errorf("%w: %s %q", ErrBadConfig, n.name, n.value)
		}
		if prev, dup := seen[n.value]; dup {
			return fmt.Errorf("%w: %s and %s are both %q", ErrBadConfig, prev, n.name, n.value)
		}
		seen[n.value] = n.name
	}
	for _, rc := range c.RoomCreators {
		if _, err := jid.Parse(rc); err != nil {
			return fmt.Errorf("%w: room creator %q: %w", ErrBadConfig, rc, err)
		}
	}
	return nil
}
