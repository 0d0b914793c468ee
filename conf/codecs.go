package conf

import (
	"fmt"
	"slices"
)

// knownVideoCodecs names the video codecs meetd can offer, as jitsi clients
// write them in presence (lower case).
const knownVideoCodecs = "av1, vp9, vp8, h264"

// DefaultVideoCodecs is media.codecs' default: current Jitsi's order.
func DefaultVideoCodecs() []string { return []string{"av1", "vp9", "vp8", "h264"} }

// validateCodecs checks media.codecs: known names, each once, and VP8 among
// them (every Jitsi client can send and receive VP8; it is what a
// conference falls back to when its participants share nothing better).
func (m Media) validateCodecs(bad badFunc) {
	known := DefaultVideoCodecs()
	for i, c := range m.Codecs {
		key := fmt.Sprintf("media.codecs[%d]", i)
		switch {
		case !slices.Contains(known, c):
			bad(key, "%q is not a video codec meetd offers (known, lower case: %s)", c, knownVideoCodecs)
		case slices.Index(m.Codecs, c) != i:
			bad(key, "%q is listed twice", c)
		}
	}
	if !slices.Contains(m.Codecs, "vp8") {
		bad("media.codecs", "must include \"vp8\": every client supports it and conferences fall back to it (known: %s)", knownVideoCodecs)
	}
}
