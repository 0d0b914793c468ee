package conf

import (
	"errors"
	"fmt"
	"net"
	"os"

	"mellium.im/xmpp/jid"
)

// FocusHost is the configuration of `meetd focus` (focus.example.toml): the
// focus alone, connected as an XEP-0114 component to another XMPP server —
// Prosody — that serves the clients, the conference MUC and the brewery
// (docs/prosody.md).
type FocusHost struct {
	// Domain is the XMPP domain clients log in to, e.g. meet.example.com;
	// the other addresses default from it.
	Domain string `toml:"domain"`

	XMPP    FocusXMPP  `toml:"xmpp"`
	Bridges Bridges    `toml:"bridges"` // only allow is read: builtin must stay unset
	Media   FocusMedia `toml:"media"`
	Log     Log        `toml:"log"`
}

// FocusXMPP is the focus's component connection and the addresses it
// works with.
type FocusXMPP struct {
	// Server is the XMPP server's component port, host:port (Prosody's
	// component_ports, 5347 by default).
	Server string `toml:"server"`
	// Component is the focus's component domain; default focus.<domain>,
	// where clients send the conference request (config.js hosts.focus).
	Component string `toml:"component"`
	// SecretFile holds the component secret (first line).
	SecretFile string `toml:"secret_file"`
	// MUC is the conference MUC; default conference.<domain>.
	MUC string `toml:"muc"`
	// Brewery is the bridges' MUC room; default
	// jvbbrewery@internal.auth.<domain>.
	Brewery string `toml:"brewery"`
}

// FocusMedia is what the focus offers clients.
type FocusMedia struct {
	Codecs  []string `toml:"codecs"`   // as [media] codecs in meetd.toml
	OpusRED bool     `toml:"opus_red"` // as [media] opus_red
}

// DefaultFocusHost returns the defaults of a focus host's configuration.
func DefaultFocusHost() *FocusHost {
	return &FocusHost{Media: FocusMedia{Codecs: DefaultVideoCodecs()}, Log: Log{Level: "info", Format: "text"}}
}

// LoadFocusHost reads and validates a focus host's TOML file: unknown keys,
// wrong types and bad values are all reported at once.
func LoadFocusHost(path string) (*FocusHost, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	c := DefaultFocusHost()
	errs, err := decodeStrict(data, c)
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	c.fillDefaults()
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	return c, nil
}

func (c *FocusHost) fillDefaults() {
	if c.Domain == "" {
		return
	}
	if c.XMPP.Component == "" {
		c.XMPP.Component = "focus." + c.Domain
	}
	if c.XMPP.MUC == "" {
		c.XMPP.MUC = "conference." + c.Domain
	}
	if c.XMPP.Brewery == "" {
		c.XMPP.Brewery = "jvbbrewery@internal.auth." + c.Domain
	}
	if c.Bridges.Allow == nil {
		c.Bridges.Allow = []string{"auth." + c.Domain}
	}
}

// Validate reports every problem of the configuration.
func (c *FocusHost) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &KeyError{Key: key, Err: fmt.Errorf("%w: %s", ErrBadValue, fmt.Sprintf(format, args...))})
	}
	if msg := checkDomain(c.Domain); msg != "" {
		bad("domain", "%q %s", c.Domain, msg)
	}
	x := c.XMPP
	if _, _, err := net.SplitHostPort(x.Server); err != nil {
		bad("xmpp.server", "%q must be host:port of the XMPP server's component port, e.g. \"127.0.0.1:5347\"", x.Server)
	}
	for key, d := range map[string]string{"xmpp.component": x.Component, "xmpp.muc": x.MUC} {
		if j, err := jid.Parse(d); err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
			bad(key, "%q must be a domain", d)
		}
	}
	if x.SecretFile == "" {
		bad("xmpp.secret_file", "must name the file with the component secret")
	}
	if j, err := jid.Parse(x.Brewery); err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		bad("xmpp.brewery", "%q must be the brewery room's JID, e.g. jvbbrewery@internal.auth.meet.example.com", x.Brewery)
	}
	b := Bridges{Allow: c.Bridges.Allow, Builtin: true} // no built-in bridge here; true skips its checks
	b.validate(&Config{}, bad)
	if len(c.Bridges.Allow) == 0 {
		bad("bridges.allow", "is empty: no bridge could carry a conference")
	}
	if c.Bridges.Builtin {
		bad("bridges.builtin", "meetd focus has no built-in bridge; remove the key")
	}
	m := Media{Codecs: c.Media.Codecs}
	m.validateCodecs(bad)
	c.Log.validate(bad)
	return errors.Join(errs...)
}
