package conf

import (
	"errors"
	"fmt"
	"net"
	"os"
	"strings"

	"mellium.im/xmpp/jid"
)

// BridgeHost is the configuration of `meetd bridge`: a videobridge alone on
// its host, connected over the network to the XMPP server that hosts the
// focus (meetd or Prosody). See bridge.example.toml and docs/scale-out.md.
type BridgeHost struct {
	// ID is the bridge's nickname in the brewery and the path segment of
	// its bridge-channel URL; empty: generated once and kept in StateDir.
	ID string `toml:"id"`
	// Region is announced to the focus, which prefers bridges in the
	// participant's region.
	Region string `toml:"region"`
	// StateDir keeps the generated ID and the self-signed certificate.
	StateDir string `toml:"state_dir"`
	// CapacityPPS is the packet rate (received plus forwarded per second)
	// at which the bridge announces stress 1.0; 0 means the default 50000.
	CapacityPPS float64 `toml:"capacity_pps"`
	// ShutdownTimeout bounds, in seconds, the graceful stop: after SIGTERM
	// the bridge takes no new conference and exits when its last one ends
	// or this time has passed (a second SIGTERM ends it at once).
	ShutdownTimeout int `toml:"shutdown_timeout"`

	XMPP  BridgeXMPP `toml:"xmpp"`
	Media Media      `toml:"media"`
	HTTP  BridgeHTTP `toml:"http"`
	Log   Log        `toml:"log"`
}

// BridgeXMPP says how the bridge reaches the XMPP server: as a client
// account (JID and password file; SASL SCRAM over STARTTLS) or as an
// external component (XEP-0114: domain and secret file; no TLS, for a
// private network).
type BridgeXMPP struct {
	// Server is host:port of the server's c2s port (5222) or, with
	// Component, its component port (5347).
	Server string `toml:"server"`
	// JID is the bridge's account, e.g. jvb@auth.meet.example.com.
	JID string `toml:"jid"`
	// PasswordFile holds the account's password (first line).
	PasswordFile string `toml:"password_file"`
	// Component is the component domain, e.g. jvb.meet.example.com, instead
	// of JID.
	Component string `toml:"component"`
	// SecretFile holds the component's shared secret (first line).
	SecretFile string `toml:"secret_file"`
	// ServerName is the name the server's certificate must carry; empty:
	// the JID's domain.
	ServerName string `toml:"server_name"`
	// CAFile is a PEM file of the roots the server's certificate must chain
	// to; empty: the system roots.
	CAFile string `toml:"ca_file"`
	// Brewery is the MUC room the bridges and the focus meet in, e.g.
	// jvbbrewery@internal.auth.meet.example.com.
	Brewery string `toml:"brewery"`
}

// BridgeHTTP is the bridge's own HTTPS listener: the bridge-channel
// WebSocket (advertised in Colibri2), /about/health and /metrics.
type BridgeHTTP struct {
	// Listen is host:port; port 0 picks a free port.
	Listen string `toml:"listen"`
	// PublicURL is the https URL clients reach this listener at; empty:
	// https://<first media.advertise address>:<listening port>.
	PublicURL string `toml:"public_url"`
	// TLSCert and TLSKey are PEM files; both empty: a self-signed
	// certificate in StateDir (browsers refuse it unless told to trust it).
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// RelayCAFile is a PEM file of the certificates that sign the other
	// bridges' listeners, for the relay channels this bridge opens to
	// them; empty: the system roots.
	RelayCAFile string `toml:"relay_ca_file"`
}

// DefaultBridgeHost returns the defaults of a bridge host's configuration.
func DefaultBridgeHost() *BridgeHost {
	return &BridgeHost{
		StateDir:        "meetd-bridge-state",
		ShutdownTimeout: 3600,
		Media:           Media{Listen: ":10000"},
		HTTP:            BridgeHTTP{Listen: ":8443"},
		Log:             Log{Level: "info", Format: "text"},
	}
}

// LoadBridgeHost reads and validates a `meetd bridge` configuration file;
// every problem (unknown keys with the closest known one, wrong types, bad
// values) is reported at once.
func LoadBridgeHost(path string) (*BridgeHost, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("conf: %w", err)
	}
	c := DefaultBridgeHost()
	errs, err := decodeStrict(data, c)
	if err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	if err := c.Validate(); err != nil {
		errs = append(errs, err)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("conf: %s: %w", path, err)
	}
	return c, nil
}

// Validate checks every key of a bridge host's configuration.
func (c *BridgeHost) Validate() error {
	var errs []error
	bad := func(key, format string, args ...any) {
		errs = append(errs, &KeyError{Key: key, Err: fmt.Errorf("%w: %s", ErrBadValue, fmt.Sprintf(format, args...))})
	}
	if c.ID != "" && !validBridgeID(c.ID) {
		bad("id", "%q: letters, digits, '-' and '_' only (it is a MUC nick and a URL path segment)", c.ID)
	}
	if strings.TrimSpace(c.StateDir) == "" {
		bad("state_dir", "must not be empty")
	}
	if c.ShutdownTimeout < 0 {
		bad("shutdown_timeout", "must not be negative")
	}
	if c.CapacityPPS < 0 {
		bad("capacity_pps", "must not be negative (0 means the default)")
	}
	c.XMPP.validate(bad)
	c.Media.validate("", bad)
	c.HTTP.validate(bad)
	c.Log.validate(bad)
	return errors.Join(errs...)
}

func validBridgeID(id string) bool {
	if len(id) > 64 {
		return false
	}
	for _, r := range id {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
			return false
		}
	}
	return true
}

func (x BridgeXMPP) validate(bad badFunc) {
	if _, _, err := net.SplitHostPort(x.Server); err != nil {
		bad("xmpp.server", "%q must be host:port of the XMPP server, e.g. \"meet.example.com:5222\"", x.Server)
	}
	switch {
	case x.JID == "" && x.Component == "":
		bad("xmpp.jid", "set jid (a client account) or component (an XEP-0114 component)")
	case x.JID != "" && x.Component != "":
		bad("xmpp.component", "set jid or component, not both")
	case x.JID != "":
		if j, err := jid.Parse(x.JID); err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
			bad("xmpp.jid", "%q must be a bare JID with a user part, e.g. jvb@auth.meet.example.com", x.JID)
		}
		if x.PasswordFile == "" {
			bad("xmpp.password_file", "must name the file with the account's password")
		}
	default:
		if j, err := jid.Parse(x.Component); err != nil || j.Localpart() != "" || j.Resourcepart() != "" {
			bad("xmpp.component", "%q must be a domain, e.g. jvb.meet.example.com", x.Component)
		}
		if x.SecretFile == "" {
			bad("xmpp.secret_file", "must name the file with the component secret")
		}
	}
	if j, err := jid.Parse(x.Brewery); err != nil || j.Localpart() == "" || j.Resourcepart() != "" {
		bad("xmpp.brewery", "%q must be the brewery room's JID, e.g. jvbbrewery@internal.auth.meet.example.com", x.Brewery)
	}
}

// validate checks an HTTPS listener's keys ([http] of meetd and of a
// bridge host).
func (h BridgeHTTP) validate(bad badFunc) {
	if msg := checkListen(h.Listen); msg != "" {
		bad("http.listen", "%q %s", h.Listen, msg)
	}
	if h.PublicURL != "" {
		if _, msg := parsePublicURL(h.PublicURL); msg != "" {
			bad("http.public_url", "%q %s", h.PublicURL, msg)
		}
	}
	if (h.TLSCert == "") != (h.TLSKey == "") {
		key := "http.tls_key"
		if h.TLSCert == "" {
			key = "http.tls_cert"
		}
		bad(key, "tls_cert and tls_key must be set together (or both left empty for a self-signed certificate)")
	}
}
