package codec

import (
	"errors"
	"math/rand/v2"
	"testing"

	"github.com/pion/rtp/codecs"
)

// vp9Spec describes a descriptor field by field; build lays it out as the
// payload format does (docs/codecs.md), independently of the parser.
type vp9Spec struct {
	I, P, L, F, B, E, V, Z bool
	pid                    uint16
	long                   bool
	tid, sid               uint8
	u, d                   bool
	tl0                    uint8
	pdiff                  []uint8
	ss                     *vp9SSSpec
}

type vp9SSSpec struct {
	y, g bool
	wh   [][2]uint16 // len = N_S+1
	pg   []VP9PGFrame
}

func bit(b bool, v byte) byte {
	if b {
		return v
	}
	return 0
}

func (s vp9Spec) build() []byte {
	out := []byte{bit(s.I, 0x80) | bit(s.P, 0x40) | bit(s.L, 0x20) | bit(s.F, 0x10) |
		bit(s.B, 0x08) | bit(s.E, 0x04) | bit(s.V, 0x02) | bit(s.Z, 0x01)}
	if s.I {
		if s.long {
			out = append(out, 0x80|byte(s.pid>>8&0x7F), byte(s.pid))
		} else {
			out = append(out, byte(s.pid&0x7F))
		}
	}
	if s.L {
		out = append(out, s.tid<<5|bit(s.u, 0x10)|s.sid<<1|bit(s.d, 1))
		if !s.F {
			out = append(out, s.tl0)
		}
	}
	if s.F && s.P {
		for i, p := range s.pdiff {
			out = append(out, p<<1|bit(i < len(s.pdiff)-1, 1))
		}
	}
	if s.V {
		ss := s.ss
		out = append(out, byte(len(ss.wh)-1)<<5|bit(ss.y, 0x10)|bit(ss.g, 0x08))
		if ss.y {
			for _, wh := range ss.wh {
				out = append(out, byte(wh[0]>>8), byte(wh[0]), byte(wh[1]>>8), byte(wh[1]))
			}
		}
		if ss.g {
			out = append(out, byte(len(ss.pg)))
			for _, f := range ss.pg {
				out = append(out, f.TID<<5|bit(f.U, 0x10)|f.R<<2)
				out = append(out, f.PDiff[:f.R]...)
			}
		}
	}
	return append(out, 0xAA, 0xBB) // VP9 payload
}

// l3t3SS is the scalability structure of a 3-spatial, 3-temporal stream.
var l3t3SS = vp9SSSpec{y: true, g: true,
	wh: [][2]uint16{{320, 180}, {640, 360}, {1280, 720}},
	pg: []VP9PGFrame{{TID: 0, R: 1, PDiff: [3]uint8{4}}, {TID: 2, U: true, R: 1, PDiff: [3]uint8{1}},
		{TID: 1, U: true, R: 1, PDiff: [3]uint8{2}}, {TID: 2, U: true, R: 2, PDiff: [3]uint8{1, 2}}}}

func TestVP9Parse(t *testing.T) {
	tests := []struct {
		name    string
		spec    vp9Spec
		key     bool
		wantErr error
	}{
		{name: "non-flexible keyframe with SS", key: true,
			spec: vp9Spec{I: true, long: true, pid: 0x1234, L: true, tid: 0, sid: 0, tl0: 77, B: true, V: true, ss: &l3t3SS}},
		{name: "non-flexible upper spatial layer",
			spec: vp9Spec{I: true, pid: 0x55, L: true, tid: 2, u: true, sid: 2, d: true, tl0: 9, E: true, Z: true, P: true}},
		{name: "flexible delta frame with refs",
			spec: vp9Spec{I: true, long: true, pid: 0x7FFF, P: true, F: true, L: true, tid: 1, sid: 1, B: true, E: true, pdiff: []uint8{1, 2, 127}}},
		{name: "flexible keyframe no refs", key: true,
			spec: vp9Spec{I: true, pid: 3, F: true, L: true, B: true}},
		{name: "no picture id no layers", key: true, spec: vp9Spec{B: true, E: true}},
		{name: "ss without resolutions or group",
			spec: vp9Spec{P: true, V: true, ss: &vp9SSSpec{wh: make([][2]uint16, 8)}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.spec.build()
			var d VP9Descriptor
			if err := d.Parse(pkt); err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkVP9(t, &d, tc.spec)
			if d.Keyframe() != tc.key {
				t.Errorf("Keyframe = %v, want %v", d.Keyframe(), tc.key)
			}
			if d.HeaderSize != len(pkt)-2 {
				t.Errorf("HeaderSize = %d, want %d", d.HeaderSize, len(pkt)-2)
			}
			comparePion(t, pkt, &d)
		})
	}
}

func checkVP9(t *testing.T, d *VP9Descriptor, s vp9Spec) {
	t.Helper()
	type flags struct{ I, P, L, F, B, E, V, Z bool }
	if got, want := (flags{d.I, d.P, d.L, d.F, d.B, d.E, d.V, d.Z}), (flags{s.I, s.P, s.L, s.F, s.B, s.E, s.V, s.Z}); got != want {
		t.Errorf("flags = %+v, want %+v", got, want)
	}
	if s.I && (d.PictureID != s.pid || d.PIDLong != s.long) {
		t.Errorf("picture id = %#x long=%v, want %#x long=%v", d.PictureID, d.PIDLong, s.pid, s.long)
	}
	if s.L && (d.TID != s.tid || d.SID != s.sid || d.U != s.u || d.D != s.d) {
		t.Errorf("layers = T%d S%d U%v D%v, want T%d S%d U%v D%v", d.TID, d.SID, d.U, d.D, s.tid, s.sid, s.u, s.d)
	}
	if s.L && !s.F && d.TL0PICIDX != s.tl0 {
		t.Errorf("TL0PICIDX = %d, want %d", d.TL0PICIDX, s.tl0)
	}
	if s.F && s.P && string(d.PDiff[:d.NumPDiff]) != string(s.pdiff) {
		t.Errorf("PDiff = %v, want %v", d.PDiff[:d.NumPDiff], s.pdiff)
	}
	if !s.V {
		return
	}
	if int(d.SS.NS) != len(s.ss.wh) || d.SS.Y != s.ss.y || d.SS.G != s.ss.g {
		t.Errorf("SS N_S=%d Y=%v G=%v, want %d %v %v", d.SS.NS, d.SS.Y, d.SS.G, len(s.ss.wh), s.ss.y, s.ss.g)
	}
	for i, wh := range s.ss.wh {
		if s.ss.y && (d.SS.Width[i] != wh[0] || d.SS.Height[i] != wh[1]) {
			t.Errorf("SS layer %d = %dx%d, want %dx%d", i, d.SS.Width[i], d.SS.Height[i], wh[0], wh[1])
		}
	}
	if int(d.SS.NG) != len(s.ss.pg) {
		t.Fatalf("N_G = %d, want %d", d.SS.NG, len(s.ss.pg))
	}
	for i, f := range s.ss.pg {
		if d.SS.PG[i] != f {
			t.Errorf("PG[%d] = %+v, want %+v", i, d.SS.PG[i], f)
		}
	}
}

// comparePion checks our parse against pion/rtp's VP9Packet, an
// independent implementation of the same payload format.
func comparePion(t *testing.T, pkt []byte, d *VP9Descriptor) {
	t.Helper()
	var p codecs.VP9Packet
	payload, err := p.Unmarshal(pkt)
	if err != nil {
		t.Fatalf("pion rejects a descriptor we accept: %v", err)
	}
	type common struct {
		I, P, L, F, B, E, V, Z bool
		PictureID              uint16
		TID, SID               uint8
		U, D                   bool
		TL0                    uint8
		Header                 int
	}
	ours := common{d.I, d.P, d.L, d.F, d.B, d.E, d.V, d.Z, d.PictureID, d.TID, d.SID, d.U, d.D, d.TL0PICIDX, d.HeaderSize}
	theirs := common{p.I, p.P, p.L, p.F, p.B, p.E, p.V, p.Z, p.PictureID, p.TID, p.SID, p.U, p.D, p.TL0PICIDX, len(pkt) - len(payload)}
	if ours != theirs {
		t.Fatalf("ours %+v\npion %+v", ours, theirs)
	}
	if d.F && d.P && string(p.PDiff) != string(d.PDiff[:d.NumPDiff]) {
		t.Fatalf("PDiff ours %v pion %v", d.PDiff[:d.NumPDiff], p.PDiff)
	}
	if !d.V {
		return
	}
	if p.NS+1 != d.SS.NS || p.Y != d.SS.Y || p.G != d.SS.G || p.NG != d.SS.NG {
		t.Fatalf("SS header differs: pion NS=%d Y=%v G=%v NG=%d", p.NS, p.Y, p.G, p.NG)
	}
	for i := 0; d.SS.Y && i < int(d.SS.NS); i++ {
		if p.Width[i] != d.SS.Width[i] || p.Height[i] != d.SS.Height[i] {
			t.Fatalf("SS resolution %d differs", i)
		}
	}
	for i := 0; i < int(d.SS.NG); i++ {
		f := d.SS.PG[i]
		if p.PGTID[i] != f.TID || p.PGU[i] != f.U || string(p.PGPDiff[i]) != string(f.PDiff[:f.R]) {
			t.Fatalf("PG[%d] differs: pion T%d U%v %v, ours %+v", i, p.PGTID[i], p.PGU[i], p.PGPDiff[i], f)
		}
	}
}

func TestVP9ParseErrors(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"picture id missing", []byte{0x80}, ErrShort},
		{"long picture id cut", []byte{0x80, 0x80}, ErrShort},
		{"layer indices missing", []byte{0x20}, ErrShort},
		{"tl0picidx missing", []byte{0x20, 0x00}, ErrShort},
		{"ref index missing", []byte{0x50}, ErrShort},
		{"four refs", []byte{0x50, 0x03, 0x03, 0x03, 0x02}, ErrInvalid},
		{"ss missing", []byte{0x02}, ErrShort},
		{"ss resolutions cut", []byte{0x02, 0x30, 0, 1, 0, 1, 0, 2}, ErrShort},
		{"ss N_G missing", []byte{0x02, 0x08}, ErrShort},
		{"ss group cut", []byte{0x02, 0x08, 2, 0x04}, ErrShort},
		{"ss group diffs cut", []byte{0x02, 0x08, 1, 0x0C, 1}, ErrShort},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var d VP9Descriptor
			if err := d.Parse(tc.pkt); !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
			if _, err := (&codecs.VP9Packet{}).Unmarshal(tc.pkt); err == nil && tc.pkt != nil {
				t.Fatalf("pion accepts what we reject")
			}
		})
	}
}

func TestVP9Rewrite(t *testing.T) {
	tests := []struct {
		name    string
		spec    vp9Spec
		pid     uint16
		wantPID uint16
		tl0     bool
	}{
		{"15-bit", vp9Spec{I: true, long: true, pid: 5, L: true, tl0: 1}, 0x7ABC, 0x7ABC, true},
		{"15-bit wraps", vp9Spec{I: true, long: true, pid: 5, L: true, tl0: 1}, 0x8001, 0x0001, true},
		{"7-bit wraps", vp9Spec{I: true, pid: 5, P: true, F: true, L: true, pdiff: []uint8{3}}, 0x1FF, 0x7F, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			pkt := tc.spec.build()
			var d VP9Descriptor
			if err := d.Parse(pkt); err != nil {
				t.Fatal(err)
			}
			if err := d.SetPictureID(pkt, tc.pid); err != nil {
				t.Fatal(err)
			}
			err := d.SetTL0PICIDX(pkt, 200)
			if tc.tl0 != (err == nil) || (!tc.tl0 && !errors.Is(err, ErrNotPresent)) {
				t.Fatalf("SetTL0PICIDX = %v", err)
			}
			var again VP9Descriptor
			if err := again.Parse(pkt); err != nil {
				t.Fatal(err)
			}
			want := tc.spec
			want.pid = tc.wantPID
			if tc.tl0 {
				want.tl0 = 200
			}
			checkVP9(t, &again, want)
			comparePion(t, pkt, &again)
		})
	}
	var d VP9Descriptor
	pkt := vp9Spec{B: true}.build()
	if err := d.Parse(pkt); err != nil || !errors.Is(d.SetPictureID(pkt, 1), ErrNotPresent) {
		t.Fatalf("SetPictureID without I must fail with ErrNotPresent")
	}
}

// randomVP9 returns a random valid descriptor within what pion accepts
// (SID < 5).
func randomVP9(r *rand.Rand) vp9Spec {
	b := func() bool { return r.IntN(2) == 0 }
	s := vp9Spec{I: b(), P: b(), L: b(), F: b(), B: b(), E: b(), V: b(), Z: b(), long: b(), u: b(), d: b()}
	s.pid = uint16(r.IntN(1 << 15))
	if !s.long {
		s.pid &= 0x7F
	}
	s.tid, s.sid, s.tl0 = uint8(r.IntN(8)), uint8(r.IntN(5)), uint8(r.IntN(256))
	for range 1 + r.IntN(VP9MaxRefs) {
		s.pdiff = append(s.pdiff, uint8(r.IntN(128)))
	}
	if s.V {
		ss := &vp9SSSpec{y: b(), g: b(), wh: make([][2]uint16, 1+r.IntN(8))}
		for i := range ss.wh {
			ss.wh[i] = [2]uint16{uint16(r.IntN(1 << 16)), uint16(r.IntN(1 << 16))}
		}
		if ss.g {
			for range r.IntN(6) {
				f := VP9PGFrame{TID: uint8(r.IntN(8)), U: b(), R: uint8(r.IntN(4))}
				for j := range f.R {
					f.PDiff[j] = uint8(r.IntN(256))
				}
				ss.pg = append(ss.pg, f)
			}
		}
		s.ss = ss
	}
	return s
}

func TestVP9AgreesWithPion(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 5000 {
		s := randomVP9(r)
		pkt := s.build()
		var d VP9Descriptor
		if err := d.Parse(pkt); err != nil {
			t.Fatalf("case %d: Parse(%x): %v", i, pkt, err)
		}
		checkVP9(t, &d, s)
		comparePion(t, pkt, &d)
	}
}

func TestVP9ZeroAllocs(t *testing.T) {
	pkts := [][]byte{
		vp9Spec{I: true, long: true, pid: 9, L: true, tl0: 3, B: true, V: true, ss: &l3t3SS}.build(),
		vp9Spec{I: true, long: true, pid: 9, P: true, F: true, L: true, sid: 2, pdiff: []uint8{1, 2}}.build(),
	}
	var d VP9Descriptor
	allocs := testing.AllocsPerRun(200, func() {
		for _, p := range pkts {
			if d.Parse(p) != nil || d.SetPictureID(p, d.PictureID+1) != nil {
				t.Fatal("parse or rewrite failed")
			}
			_ = d.SetTL0PICIDX(p, d.TL0PICIDX+1)
		}
		_ = d.Parse(pkts[0][:3]) // error path too
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkVP9Parse(b *testing.B) {
	pkt := vp9Spec{I: true, long: true, pid: 9, P: true, F: true, L: true, sid: 2, tid: 1, pdiff: []uint8{1, 2}, B: true}.build()
	var d VP9Descriptor
	b.ReportAllocs()
	for b.Loop() {
		if d.Parse(pkt) != nil || d.SetPictureID(pkt, d.PictureID+1) != nil {
			b.Fatal("parse failed")
		}
	}
}
