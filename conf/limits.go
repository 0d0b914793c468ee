package conf

// XMPPLimits are the [xmpp.limits] keys. Rates and caps of 0 turn that
// limit off; sizes and timeouts must be positive.
type XMPPLimits struct {
	// StanzaSize is the largest stanza in bytes (stream error
	// policy-violation beyond it).
	StanzaSize int `toml:"stanza_size"`
	// PreAuthTimeout closes streams that have not logged in, in seconds.
	PreAuthTimeout int `toml:"preauth_timeout"`
	// StanzasPerSecond and StanzaBurst throttle one client session; the
	// server stops reading from a session over the rate.
	StanzasPerSecond float64 `toml:"stanzas_per_second"`
	StanzaBurst      int     `toml:"stanza_burst"`
	// BytesPerSecond is a byte rate per client session (burst: one
	// stanza_size); the server stops reading from a session over it.
	BytesPerSecond int `toml:"bytes_per_second"`
	// ConnectionsPerIP caps concurrent XMPP connections from one address.
	ConnectionsPerIP int `toml:"connections_per_ip"`
	// LoginsPerMinute caps SASL attempts from one address.
	LoginsPerMinute int `toml:"logins_per_minute"`
	// PreAuthConnections bounds the XMPP connections not logged in yet,
	// server-wide; beyond it the oldest one of the address with the most
	// is closed. An IPv6 /64 counts as one address for these caps.
	PreAuthConnections int `toml:"preauth_connections"`
	// JoinsPerSecond and JoinBurst throttle joins per room (delayed, then
	// refused when the wait exceeds 10 s).
	JoinsPerSecond float64 `toml:"joins_per_second"`
	JoinBurst      int     `toml:"join_burst"`
	// MaxOccupants caps each room; service accounts are not counted.
	MaxOccupants int `toml:"max_occupants"`
	// BOSHInactivity ends a BOSH session without requests, in seconds.
	BOSHInactivity int `toml:"bosh_inactivity"`
}

func defaultLimits() XMPPLimits {
	return XMPPLimits{StanzaSize: 256 << 10, PreAuthTimeout: 30, StanzasPerSecond: 50, StanzaBurst: 200, BytesPerSecond: 32 << 10,
		ConnectionsPerIP: 100, LoginsPerMinute: 120, PreAuthConnections: 2000, JoinsPerSecond: 5, JoinBurst: 20, MaxOccupants: 100,
		BOSHInactivity: 60}
}

func (l XMPPLimits) validate(bad badFunc) {
	positive := []struct {
		key string
		v   int
		min int
	}{
		{"xmpp.limits.stanza_size", l.StanzaSize, 16 << 10},
		{"xmpp.limits.preauth_timeout", l.PreAuthTimeout, 1},
		{"xmpp.limits.bosh_inactivity", l.BOSHInactivity, 10},
	}
	for _, p := range positive {
		if p.v < p.min {
			bad(p.key, "%d must be at least %d", p.v, p.min)
		}
	}
	nonNeg := map[string]float64{
		"xmpp.limits.bytes_per_second":   float64(l.BytesPerSecond),
		"xmpp.limits.stanzas_per_second": l.StanzasPerSecond, "xmpp.limits.stanza_burst": float64(l.StanzaBurst),
		"xmpp.limits.connections_per_ip": float64(l.ConnectionsPerIP), "xmpp.limits.logins_per_minute": float64(l.LoginsPerMinute),
		"xmpp.limits.joins_per_second": l.JoinsPerSecond, "xmpp.limits.join_burst": float64(l.JoinBurst),
		"xmpp.limits.max_occupants": float64(l.MaxOccupants), "xmpp.limits.preauth_connections": float64(l.PreAuthConnections),
	}
	for k, v := range nonNeg {
		if v < 0 {
			bad(k, "must not be negative (0 turns the limit off)")
		}
	}
	if (l.StanzasPerSecond == 0) != (l.StanzaBurst == 0) {
		bad("xmpp.limits.stanza_burst", "stanzas_per_second and stanza_burst are both 0 (off) or both positive")
	}
	if (l.JoinsPerSecond == 0) != (l.JoinBurst == 0) {
		bad("xmpp.limits.join_burst", "joins_per_second and join_burst are both 0 (off) or both positive")
	}
}
