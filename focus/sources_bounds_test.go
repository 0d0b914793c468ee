package focus

import (
	"fmt"
	"testing"

	"meetd/xmpp/jingle"
)

// TestSourceBounds covers docs/bad-input.md#j1 and #j3: an endpoint that
// signals 30 SSRCs keeps 20 (Jicofo's max-ssrcs-per-user), 30 valid groups
// are cut to 20, and a duplicate group is dropped.
func TestSourceBounds(t *testing.T) {
	var srcs []jingle.Source
	var groups []jingle.SSRCGroup
	for i := uint32(1); i <= 30; i++ {
		srcs = append(srcs, src(i, fmt.Sprintf("x-v%d", i)))
	}
	for i := uint32(1); i+1 <= 20; i += 2 {
		groups = append(groups, grp("FID", i, i+1))
	}
	groups = append(groups, grp("FID", 1, 2)) // a duplicate
	for i := 0; i < 30; i++ {
		groups = append(groups, grp("SIM", 1, 3, 5))
	}
	d := jingle.Description{Media: "video", Sources: srcs, SSRCGroups: groups}
	s := parseSources("abcd", []jingle.Content{{Name: "video", Description: &d}}, none)
	if n := len(ssrcList(s.video)); n != maxSSRCs {
		t.Fatalf("%d SSRCs kept of 30, want %d", n, maxSSRCs)
	}
	got := groupList(s.video)
	if len(got) > maxGroups {
		t.Fatalf("%d groups kept, at most %d", len(got), maxGroups)
	}
	fids := 0
	for _, g := range got {
		if g == "FID" {
			fids++
		}
	}
	if fids != 10 {
		t.Fatalf("%d FID groups kept, want the 10 distinct ones (duplicate dropped): %v", fids, got)
	}
}
