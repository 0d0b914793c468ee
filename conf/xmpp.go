package conf

import (
	"fmt"
	"slices"
)

// Defaults of the [xmpp] transport keys.
const (
	DefaultResumeTimeout   = 60
	DefaultC2SListen       = "127.0.0.1:5222"
	DefaultComponentListen = "127.0.0.1:5347"
	maxResumeTimeout       = 3600
)

// XMPP configures the XMPP server's transports besides the WebSocket on the
// HTTPS listener: stream resumption, client connections over TCP and
// external components.
type XMPP struct {
	// ResumeTimeout is how many seconds a session whose connection dropped
	// stays resumable (XEP-0198 hibernation); 0 turns resumption off.
	ResumeTimeout int `toml:"resume_timeout"`
	// C2SListen is host:port for XMPP clients over TCP (RFC 6120, STARTTLS
	// required before login); empty turns it off.
	C2SListen string `toml:"c2s_listen"`
	// ComponentListen is host:port for external components (XEP-0114);
	// empty turns it off.
	ComponentListen string `toml:"component_listen"`
	// Components are the components allowed to connect, each with its own
	// secret ([[xmpp.component]] tables).
	Components []Component `toml:"component"`
	// Limits bound sessions, addresses and rooms ([xmpp.limits]).
	Limits XMPPLimits `toml:"limits"`
}

// Component is one external component (XEP-0114): the domain it serves and
// the shared secret of its handshake.
type Component struct {
	Domain string `toml:"domain"`
	Secret string `toml:"secret"`
}

func defaultXMPP() XMPP {
	return XMPP{
		ResumeTimeout:   DefaultResumeTimeout,
		C2SListen:       DefaultC2SListen,
		ComponentListen: DefaultComponentListen,
		Limits:          defaultLimits(),
	}
}

func (x XMPP) validate(a Addresses, bad badFunc) {
	x.Limits.validate(bad)
	if x.ResumeTimeout < 0 || x.ResumeTimeout > maxResumeTimeout {
		bad("xmpp.resume_timeout", "%d must be 0 to %d seconds", x.ResumeTimeout, maxResumeTimeout)
	}
	for key, v := range map[string]string{"xmpp.c2s_listen": x.C2SListen, "xmpp.component_listen": x.ComponentListen} {
		if v == "" {
			continue
		}
		if msg := checkListen(v); msg != "" {
			bad(key, "%q %s", v, msg)
		}
	}
	taken := []string{a.Domain, a.MUC, a.Focus, a.Auth, a.InternalMUC}
	for i, c := range x.Components {
		key := fmt.Sprintf("xmpp.component[%d]", i)
		switch {
		case checkDomain(c.Domain) != "":
			bad(key+".domain", "%q %s", c.Domain, checkDomain(c.Domain))
		case slices.Contains(taken, c.Domain):
			bad(key+".domain", "%q is already a domain of this server or another component", c.Domain)
		}
		taken = append(taken, c.Domain)
		if len(c.Secret) < 8 {
			bad(key+".secret", "must be at least 8 characters")
		}
	}
}
