package conf

import (
	"strings"

	"mellium.im/xmpp/jid"
)

// Bridges configures the videobridges meetd's focus uses.
type Bridges struct {
	// Builtin runs the bridge inside meetd (default). Off, the focus uses
	// only bridges that join the brewery over the network (`meetd bridge`,
	// docs/scale-out.md); the TURN relay and recording, which work with the
	// built-in bridge only, must then be off.
	Builtin bool `toml:"builtin"`

	// Allow names the XMPP addresses that may act as bridges: a bare JID
	// ("jvb@auth.meet.example.com": that account, any resource) or a domain
	// ("jvb.meet.example.com": every address in it, e.g. an XEP-0114
	// component). A brewery occupant whose real JID matches none is not a
	// bridge to the focus. Unset: every account on auth.<domain>, which is
	// what meetd's brewery admitted before the list existed
	// (docs/scale-out.md#which-accounts-may-be-bridges).
	Allow []string `toml:"allow"`

	// RelayCAFile is a PEM file of the certificates that sign the external
	// bridges' HTTPS listeners, which the built-in bridge trusts for the
	// relay channels it opens to them (docs/scale-out.md#relays); empty:
	// the system roots.
	RelayCAFile string `toml:"relay_ca_file"`
}

func defaultBridges() Bridges { return Bridges{Builtin: true} }

// BridgeAllow returns the effective allow-list: [bridges] allow, or
// auth.<domain> when unset, plus the built-in bridge's session when it
// runs (it is always a bridge).
func (c *Config) BridgeAllow() []string {
	a := c.Addresses()
	out := append([]string(nil), c.Bridges.Allow...)
	if c.Bridges.Allow == nil {
		out = append(out, a.Auth)
	}
	if c.Bridges.Builtin {
		out = append(out, a.BridgeSession)
	}
	return out
}

func (b Bridges) validate(c *Config, bad badFunc) {
	for _, e := range b.Allow {
		if j, err := jid.Parse(e); err != nil || j.Resourcepart() != "" || strings.ContainsAny(e, " \t") {
			bad("bridges.allow", "%q must be a bare JID (jvb@auth.meet.example.com) or a domain (jvb.meet.example.com)", e)
		}
	}
	if b.Allow != nil && len(b.Allow) == 0 && !b.Builtin {
		bad("bridges.allow", "is empty and builtin = false: no bridge could carry a conference")
	}
	if b.Builtin {
		return
	}
	if b.RelayCAFile != "" {
		bad("bridges.relay_ca_file", "is for the built-in bridge, which builtin = false turns off (a `meetd bridge` has [http] relay_ca_file)")
	}
	if c.TURN.Enabled {
		bad("bridges.builtin", "false needs turn.enabled = false: the TURN relay serves the built-in bridge only")
	}
	if c.Recording.Enabled == RecordingOn {
		bad("bridges.builtin", "false needs recording.enabled = \"off\" or \"auto\": recording captures from the built-in bridge only")
	}
}
