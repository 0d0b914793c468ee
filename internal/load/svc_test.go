package load

import (
	"testing"

	"github.com/pion/rtp/codecs"
)

// TestVP9Descriptor checks the SVC sender's descriptors with pion/rtp's
// VP9 parser as an independent reference.
func TestVP9Descriptor(t *testing.T) {
	l := &videoLayer{picID: 0x1234, tl0: 7}
	tests := []struct {
		name       string
		v          vp9Layer
		begin, end bool
	}{
		{"key base layer start", vp9Layer{sid: 0, key: true}, true, false},
		{"key top layer end", vp9Layer{sid: 2, key: true}, false, true},
		{"delta tid2 mid layer", vp9Layer{sid: 1, tid: 2}, true, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			payload := append(vp9Descriptor(nil, l, tc.v, tc.begin, tc.end), 0xAA, 0xBB)
			var p codecs.VP9Packet
			rest, err := p.Unmarshal(payload)
			if err != nil {
				t.Fatal(err)
			}
			ss := tc.v.key && tc.v.sid == 0 && tc.begin
			checks := []struct {
				name string
				ok   bool
			}{
				{"I, L, non-flexible", p.I && p.L && !p.F},
				{"P on delta only", p.P == !tc.v.key},
				{"B, E", p.B == tc.begin && p.E == tc.end},
				{"picture id 15 bit", p.PictureID == 0x1234},
				{"sid, tid", p.SID == tc.v.sid && p.TID == tc.v.tid},
				{"U on upper temporal layers", p.U == (tc.v.tid > 0)},
				{"D on key upper spatial layers", p.D == (tc.v.key && tc.v.sid > 0)},
				{"tl0picidx", p.TL0PICIDX == 7},
				{"payload after descriptor", len(rest) == 2 && rest[0] == 0xAA},
				{"ss only on key base start", p.V == ss},
			}
			if ss {
				checks = append(checks, []struct {
					name string
					ok   bool
				}{
					{"3 spatial layers with sizes", p.NS == 2 && p.Y && len(p.Width) == 3 &&
						p.Width[0] == 320 && p.Height[0] == 180 && p.Width[2] == 1280 && p.Height[2] == 720},
					{"picture group", p.G && p.NG == 4 && p.PGTID[1] == 2 && p.PGPDiff[0][0] == 4},
				}...)
			}
			for _, c := range checks {
				if !c.ok {
					t.Errorf("%s: %+v", c.name, p)
				}
			}
		})
	}
}
