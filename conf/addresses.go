package conf

import (
	"fmt"
	"net"
	"net/url"
	"strconv"
)

// BridgeID is the in-process bridge's id: its brewery nick, its session
// resource and the first path segment of its colibri-ws URLs.
const BridgeID = "jvb1"

// Addresses are the XMPP names derived from the domain; focus, bridge, web
// and the XMPP server all take them from here.
type Addresses struct {
	Domain      string // main host clients log in to, e.g. localhost
	MUC         string // conference MUC, conference.<domain>
	Lobby       string // lobby MUC, lobby.<domain>
	Guest       string // guests' host with guests_wait_for_host, guest.<domain>
	Focus       string // address clients send the conference IQ to, focus.<domain>
	Auth        string // service host, auth.<domain>
	InternalMUC string // internal MUC, internal.auth.<domain>
	Brewery     string // room the bridge joins, jvbbrewery@internal.auth.<domain>
	Recorder    string // hidden domain of the recorder occupant, recorder.<domain> (config.js hiddenDomain)

	FocusJID      string // focus's bare JID, focus@auth.<domain> (config.js focusUserJid)
	FocusSession  string // focus's full JID, focus@auth.<domain>/focus
	BridgeSession string // bridge's full JID, jvb@auth.<domain>/jvb1
}

// Addresses derives the XMPP addresses from Domain.
func (c *Config) Addresses() Addresses {
	d := c.Domain
	auth := "auth." + d
	internal := "internal." + auth
	return Addresses{
		Domain:        d,
		MUC:           "conference." + d,
		Lobby:         "lobby." + d,
		Guest:         "guest." + d,
		Focus:         "focus." + d,
		Auth:          auth,
		InternalMUC:   internal,
		Brewery:       "jvbbrewery@" + internal,
		Recorder:      "recorder." + d,
		FocusJID:      "focus@" + auth,
		FocusSession:  "focus@" + auth + "/focus",
		BridgeSession: "jvb@" + auth + "/" + BridgeID,
	}
}

// PublicURL returns http.public_url when set, else https://<domain>:<port>
// (no port for 443). Pass the port the HTTPS listener actually got, which
// differs from the configured one when that is 0. The result has no
// trailing slash.
func (c *Config) PublicURL(port int) (*url.URL, error) {
	if c.HTTP.PublicURL != "" {
		u, msg := parsePublicURL(c.HTTP.PublicURL)
		if msg != "" {
			return nil, &KeyError{Key: "http.public_url", Err: fmt.Errorf("%w: %q %s", ErrBadValue, c.HTTP.PublicURL, msg)}
		}
		return u, nil
	}
	host := c.Domain
	if port != 443 {
		host = net.JoinHostPort(host, strconv.Itoa(port))
	}
	return &url.URL{Scheme: "https", Host: host}, nil
}
