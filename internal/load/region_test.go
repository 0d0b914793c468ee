package load

import (
	"testing"

	"meetd/xmpp/ns"
)

// TestRegionOf: by room, every endpoint of a room announces the room's
// region; split, every room has endpoints in each region.
func TestRegionOf(t *testing.T) {
	regions := []string{"r0", "r1"}
	tests := []struct {
		name string
		cfg  Config
		idx  int
		want string
	}{
		{"no regions", Config{Rooms: 4}, 3, ""},
		{"room 0", Config{Rooms: 4, Regions: regions}, 4, "r0"},
		{"room 1", Config{Rooms: 4, Regions: regions}, 5, "r1"},
		{"room 3", Config{Rooms: 4, Regions: regions}, 7, "r1"},
		{"split, first of room 1", Config{Rooms: 4, Regions: regions, SplitRegions: true}, 1, "r0"},
		{"split, second of room 1", Config{Rooms: 4, Regions: regions, SplitRegions: true}, 5, "r1"},
		{"split, third of room 1", Config{Rooms: 4, Regions: regions, SplitRegions: true}, 9, "r0"},
		{"one room split", Config{Regions: regions, SplitRegions: true}, 3, "r1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &run{cfg: tt.cfg}
			if got := r.regionOf(tt.idx); got != tt.want {
				t.Errorf("regionOf(%d) = %q, want %q", tt.idx, got, tt.want)
			}
		})
	}
}

// TestJoinPresenceRegion: both region forms a Jitsi client sends, or none.
func TestJoinPresenceRegion(t *testing.T) {
	p := joinPresence("room@conference.localhost/a", "a", "s", "eu")
	if r := p.Child(nsJitsiMeet, "region"); r == nil || r.Attr("id") != "eu" {
		t.Errorf("no <region id=eu>: %v", r)
	}
	if r := p.Child(ns.Client, "jitsi_participant_region"); r == nil || r.Text != "eu" {
		t.Errorf("no <jitsi_participant_region>eu: %v", r)
	}
	p = joinPresence("room@conference.localhost/a", "a", "s", "")
	if p.Child(nsJitsiMeet, "region") != nil || p.Child(ns.Client, "jitsi_participant_region") != nil {
		t.Error("a region element without a region")
	}
}
