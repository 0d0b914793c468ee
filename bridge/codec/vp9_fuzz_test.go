package codec

import (
	"testing"

	"github.com/pion/rtp/codecs"
)

// FuzzVP9Descriptor checks that Parse never panics, agrees with pion/rtp on
// every descriptor both accept, and that rewriting the picture ID and
// TL0PICIDX round-trips without touching any other field.
func FuzzVP9Descriptor(f *testing.F) {
	f.Add(vp9Spec{I: true, long: true, pid: 0x1234, L: true, tl0: 7, B: true, V: true, ss: &l3t3SS}.build())
	f.Add(vp9Spec{I: true, pid: 3, P: true, F: true, L: true, tid: 2, sid: 1, pdiff: []uint8{1, 2, 3}}.build())
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var d VP9Descriptor
		err := d.Parse(pkt)
		var p codecs.VP9Packet
		_, perr := p.Unmarshal(pkt)
		if err != nil {
			if perr == nil {
				t.Fatalf("we reject (%v) what pion accepts", err)
			}
			return
		}
		if d.L && d.SID >= 5 {
			return // pion limits spatial ids to 5; the format allows 8
		}
		comparePion(t, pkt, &d)
		before := d
		if d.I {
			if err := d.SetPictureID(pkt, ^d.PictureID); err != nil {
				t.Fatal(err)
			}
		}
		if d.L && !d.F {
			if err := d.SetTL0PICIDX(pkt, ^d.TL0PICIDX); err != nil {
				t.Fatal(err)
			}
		}
		var again VP9Descriptor
		if err := again.Parse(pkt); err != nil {
			t.Fatalf("rewritten descriptor does not parse: %v", err)
		}
		want := before
		if d.I {
			want.PictureID = ^before.PictureID & 0x7F
			if d.PIDLong {
				want.PictureID = ^before.PictureID & 0x7FFF
			}
		}
		if d.L && !d.F {
			want.TL0PICIDX = ^before.TL0PICIDX
		}
		if again != want {
			t.Fatalf("after rewrite %+v\nwant %+v", again, want)
		}
	})
}
