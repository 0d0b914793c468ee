package conf

import "log/slog"

// Config is the whole meetd configuration. The zero value is not useful;
// start from Default or Load.
type Config struct {
	// Domain is the XMPP domain and the public host name; the other XMPP
	// addresses derive from it (see Addresses).
	Domain string `toml:"domain"`
	// StateDir keeps what meetd generates and must survive restarts (the
	// self-signed certificate). A relative path is relative to the working
	// directory meetd is started in.
	StateDir string `toml:"state_dir"`

	HTTP  HTTP  `toml:"http"`
	Media Media `toml:"media"`
	Log   Log   `toml:"log"`
	XMPP  XMPP  `toml:"xmpp"`
	Auth  Auth  `toml:"auth"`
	Rooms Rooms `toml:"rooms"`

	Web  Web  `toml:"web"`
	ACME ACME `toml:"acme"`
	Ops  Ops  `toml:"ops"`

	Recording    Recording    `toml:"recording"`
	Appointments Appointments `toml:"appointments"`

	TURN TURN `toml:"turn"`

	Bridges Bridges `toml:"bridges"`
}

// HTTP configures the one HTTPS listener (web app, config.js, XMPP over
// WebSocket, bridge-channel WebSocket).
type HTTP struct {
	// Listen is host:port; port 0 picks a free port.
	Listen string `toml:"listen"`
	// PublicURL is the https URL clients reach meetd at; empty means
	// https://<domain>:<listening port>.
	PublicURL string `toml:"public_url"`
	// TLSCert and TLSKey are PEM files; both empty means a self-signed
	// certificate kept in StateDir.
	TLSCert string `toml:"tls_cert"`
	TLSKey  string `toml:"tls_key"`
	// ConnectionsPerIP caps the open HTTPS connections from one address
	// (page loads, WebSockets, BOSH); over it a new connection is closed at
	// once. 0 = no cap; set 0 behind a reverse proxy, where every
	// connection comes from the proxy.
	ConnectionsPerIP int `toml:"connections_per_ip"`
}

// DefaultHTTPConnectionsPerIP is http.connections_per_ip's default: a
// browser in a call holds about three (XMPP and bridge WebSockets, the
// page), so a practice behind one NAT address stays far below it.
const DefaultHTTPConnectionsPerIP = 300

// Media configures the bridge's UDP port.
type Media struct {
	// Listen is host:port for the one UDP port all endpoints share; port 0
	// picks a free port.
	Listen string `toml:"listen"`
	// Advertise lists the IP addresses put into ICE candidates. Empty means
	// ["127.0.0.1"] when Domain is "localhost"; for any other domain it must
	// be set (meetd does not guess its public address).
	Advertise []string `toml:"advertise"`
	// TCPListen is host:port for ICE over TCP (RFC 6544 passive candidates
	// on the advertised IPs, below UDP in priority); empty: off.
	TCPListen string `toml:"tcp_listen"`
	// Codecs are the video codecs the focus offers, most preferred first
	// ("av1", "vp9", "vp8", "h264"); config.js's
	// videoQuality.codecPreferenceOrder follows it. Each conference uses
	// only those all its participants support (docs/codecs.md).
	Codecs []string `toml:"codecs"`
	// OpusRED offers Opus with RED redundancy (RFC 2198) to clients that
	// advertise it; the bridge strips it for receivers without it.
	OpusRED bool `toml:"opus_red"`
	// ForwardSilence makes the bridge forward silent audio packets (audio
	// level 127); off (the default, as Jitsi Videobridge) they are dropped
	// and counted (docs/media.md#silence).
	ForwardSilence bool `toml:"forward_silence"`
}

// Log configures the process log.
type Log struct {
	Level  string `toml:"level"`  // debug, info, warn or error
	Format string `toml:"format"` // text or json
}

// Default returns the built-in configuration: domain localhost, HTTPS on
// :8443 with a self-signed certificate in ./meetd-state, media on UDP :10000
// advertised as 127.0.0.1.
func Default() *Config {
	c := &Config{
		Domain:   "localhost",
		StateDir: "meetd-state",
		HTTP:     HTTP{Listen: ":8443", ConnectionsPerIP: DefaultHTTPConnectionsPerIP},
		Media:    Media{Listen: ":10000", Codecs: DefaultVideoCodecs()},
		Log:      Log{Level: "info", Format: "text"},
		XMPP:     defaultXMPP(),
		Auth:     defaultAuth(),

		Appointments: defaultAppointments(),
		Rooms:        defaultRooms(),
	}
	defaultFront(c)
	c.Recording = defaultRecording()
	c.TURN = defaultTURN()
	c.Bridges = defaultBridges()
	c.fillDerived()
	return c
}

// fillDerived sets defaults that depend on other keys.
func (c *Config) fillDerived() {
	if len(c.Media.Advertise) == 0 && c.Domain == localDomain {
		c.Media.Advertise = []string{"127.0.0.1"}
	}
}

const localDomain = "localhost"

// SlogLevel returns Level as a slog.Level (info for unknown values, which
// Validate rejects anyway).
func (l Log) SlogLevel() slog.Level {
	switch l.Level {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}
