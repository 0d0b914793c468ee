package conf

import "path/filepath"

// Recording configures server-side recording (docs/recording.md).
type Recording struct {
	// Enabled is "auto" (on when ffmpeg and the font are found), "on" (meetd
	// check fails without them) or "off" (the record button is hidden).
	Enabled string `toml:"enabled"`
	// Dir holds the sealed recordings and, while a recording runs, its
	// encrypted spool; empty means <state_dir>/recordings.
	Dir string `toml:"dir"`
	// LinkTTL is how many days a private link works (1 to Keep).
	LinkTTL int `toml:"link_ttl"`
	// Keep is how many days a recording is kept before it is deleted.
	Keep int `toml:"keep"`
	// RequireAll: nothing is written until everyone present has consented.
	// false: each consenting participant is recorded, the others are left
	// out.
	RequireAll bool `toml:"require_all"`
	// FFmpeg is the ffmpeg binary (a name looked up in PATH, or a path).
	FFmpeg string `toml:"ffmpeg"`
	// Font is the TrueType font the names are drawn with.
	Font string `toml:"font"`
	// MaxMinutes ends a recording that runs longer (1 to 600).
	MaxMinutes int `toml:"max_minutes"`
}

// The values of [recording] enabled.
const (
	RecordingAuto = "auto"
	RecordingOn   = "on"
	RecordingOff  = "off"
)

func defaultRecording() Recording {
	return Recording{
		Enabled: RecordingAuto, LinkTTL: 7, Keep: 30, RequireAll: true,
		FFmpeg: "ffmpeg", Font: "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf", MaxMinutes: 240,
	}
}

// RecordingDir returns where recordings are kept.
func (c *Config) RecordingDir() string {
	if c.Recording.Dir != "" {
		return c.Recording.Dir
	}
	return filepath.Join(c.StateDir, "recordings")
}

func (r Recording) validate(bad badFunc) {
	switch r.Enabled {
	case RecordingAuto, RecordingOn, RecordingOff:
	default:
		bad("recording.enabled", "%q must be \"auto\", \"on\" or \"off\"", r.Enabled)
	}
	if r.Keep < 1 || r.Keep > 3650 {
		bad("recording.keep", "%d must be 1 to 3650 days", r.Keep)
	}
	if r.LinkTTL < 1 || r.LinkTTL > r.Keep {
		bad("recording.link_ttl", "%d must be 1 to keep (%d) days: a link outliving its file only answers 403", r.LinkTTL, r.Keep)
	}
	if r.FFmpeg == "" {
		bad("recording.ffmpeg", "must name the ffmpeg binary")
	}
	if r.Font == "" {
		bad("recording.font", "must name a TrueType font")
	}
	if r.MaxMinutes < 1 || r.MaxMinutes > 600 {
		bad("recording.max_minutes", "%d must be 1 to 600", r.MaxMinutes)
	}
}
