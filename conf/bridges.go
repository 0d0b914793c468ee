package conf

// Bridges configures the videobridges meetd's focus uses.
type Bridges struct {
	// Builtin runs the bridge inside meetd (default). Off, the focus uses
	// only bridges that join the brewery over the network (`meetd bridge`,
	// docs/scale-out.md); the TURN relay and recording, which work with the
	// built-in bridge only, must then be off.
	Builtin bool `toml:"builtin"`
}

func defaultBridges() Bridges { return Bridges{Builtin: true} }

func (b Bridges) validate(c *Config, bad badFunc) {
	if b.Builtin {
		return
	}
	if c.TURN.Enabled {
		bad("bridges.builtin", "false needs turn.enabled = false: the TURN relay serves the built-in bridge only")
	}
	if c.Recording.Enabled == RecordingOn {
		bad("bridges.builtin", "false needs recording.enabled = \"off\" or \"auto\": recording captures from the built-in bridge only")
	}
}
