package codec

import (
	"errors"
	"testing"
)

// bw lays out bit fields MSB first, as the descriptor's syntax does; the
// tests build descriptors with it independently of the parser.
type bw struct {
	b []byte
	n int
}

func (w *bw) put(v uint32, width int) *bw {
	for i := width - 1; i >= 0; i-- {
		if w.n%8 == 0 {
			w.b = append(w.b, 0)
		}
		if v>>uint(i)&1 == 1 {
			w.b[len(w.b)-1] |= 0x80 >> uint(w.n%8)
		}
		w.n++
	}
	return w
}

// ns writes v as a non-symmetric unsigned value in [0, n).
func (w *bw) ns(v, n uint32) *bw {
	width := 0
	for x := n; x != 0; x >>= 1 {
		width++
	}
	m := uint32(1)<<width - n
	if v < m {
		return w.put(v, width-1)
	}
	t := v + m
	return w.put(t>>1, width-1).put(t&1, 1)
}

func (w *bw) flag(b bool) *bw {
	if b {
		return w.put(1, 1)
	}
	return w.put(0, 1)
}

// mandatory writes start/end of frame, template id and frame number.
func mandatory(sof, eof bool, tmpl uint32, frame uint32) *bw {
	w := &bw{}
	return w.flag(sof).flag(eof).put(tmpl, 6).put(frame, 16)
}

// l1t2 writes a structure for one spatial and two temporal layers with two
// decode targets (DT0 = 15 fps, DT1 = 30 fps), one chain, 640x360, template
// ids starting at offset.
//
//	template 0: S0T0 key,   DTI S S, no fdiffs, chain fdiff 0
//	template 1: S0T0 delta, DTI S S, fdiff 2,   chain fdiff 2
//	template 2: S0T1,       DTI - D, fdiff 1,   chain fdiff 1
func l1t2(w *bw, offset uint32) *bw {
	w.put(offset, 6).put(1, 5)                                              // template_id_offset, dt_cnt_minus_one
	w.put(0, 2).put(1, 2).put(3, 2)                                         // next_layer_idc: same, T+1, end
	w.put(2, 2).put(2, 2).put(2, 2).put(2, 2).put(0, 2).put(1, 2)           // DTIs
	w.put(0, 1).put(1, 1).put(1, 4).put(0, 1).put(1, 1).put(0, 4).put(0, 1) // fdiffs 2 and 1
	w.ns(1, 3)                                                              // chain_cnt = 1
	w.ns(0, 1).ns(0, 1)                                                     // both DTs protected by chain 0 (0 bits)
	w.put(0, 4).put(2, 4).put(1, 4)                                         // template chain fdiffs
	return w.put(1, 1).put(639, 16).put(359, 16)                            // resolutions
}

// l2t1 writes two spatial layers, one decode target each, two chains.
//
//	template 0: S0T0 key,  DTI S S
//	template 1: S0T0,      DTI S R, fdiff 1
//	template 2: S1T0,      DTI - S, fdiffs 1 (spatial) and 2
func l2t1(w *bw) *bw {
	w.put(0, 6).put(1, 5)
	w.put(0, 2).put(2, 2).put(3, 2)
	w.put(2, 2).put(2, 2).put(2, 2).put(3, 2).put(0, 2).put(2, 2)
	w.put(0, 1).put(1, 1).put(0, 4).put(0, 1).put(1, 1).put(0, 4).put(1, 1).put(1, 4).put(0, 1)
	w.ns(2, 3)          // chain_cnt = 2
	w.ns(0, 2).ns(1, 2) // DT0 by chain 0, DT1 by chain 1
	w.put(0, 4).put(0, 4).put(1, 4).put(1, 4).put(2, 4).put(1, 4)
	return w.put(1, 1).put(319, 16).put(179, 16).put(639, 16).put(359, 16)
}

func keyframeL1T2(offset uint32) []byte {
	w := mandatory(true, true, offset, 100).put(1, 1).put(0, 4) // structure present, no adt, no custom
	return l1t2(w, offset).b
}

func TestDDStructure(t *testing.T) {
	var p DDParser
	var f DDFrame
	if err := p.Parse(keyframeL1T2(5), &f); err != nil {
		t.Fatal(err)
	}
	s := p.Structure()
	if s.TemplateIDOffset != 5 || s.DTCount != 2 || s.TemplateCount != 3 || s.ChainCount != 1 ||
		s.MaxSpatialID != 0 || s.MaxTemporalID != 1 || !s.HasResolutions || s.Width[0] != 640 || s.Height[0] != 360 {
		t.Fatalf("structure header %+v", s)
	}
	wantTemplates := []struct {
		sid, tid uint8
		dti      [2]uint8
		fdiffs   string
		chain    uint8
	}{{0, 0, [2]uint8{2, 2}, "", 0}, {0, 0, [2]uint8{2, 2}, "\x02", 2}, {0, 1, [2]uint8{0, 1}, "\x01", 1}}
	for i, w := range wantTemplates {
		tm := s.Templates[i]
		if tm.SpatialID != w.sid || tm.TemporalID != w.tid || [2]uint8(tm.DTI[:2]) != w.dti ||
			string(tm.Fdiffs[:tm.NumFdiffs]) != w.fdiffs || tm.ChainFdiff[0] != w.chain {
			t.Errorf("template %d = %+v, want %+v", i, tm, w)
		}
	}
	if s.DTTemporalID != [DDMaxDecodeTargets]uint8{0, 1} || s.ProtectedBy[1] != 0 {
		t.Errorf("decode target layers %v protected by %v", s.DTTemporalID[:2], s.ProtectedBy[:2])
	}
	if !f.StructurePresent || f.FrameNumber != 100 || f.TemplateID != 5 || !f.StartOfFrame || !f.EndOfFrame ||
		f.ActiveDecodeTargets != 0b11 || !f.IsSwitch(0) || !f.IsSwitch(1) || f.IsSwitch(2) || f.NumFdiffs != 0 {
		t.Errorf("keyframe %+v", f)
	}
}

func TestDDFrames(t *testing.T) {
	tests := []struct {
		name     string
		pkt      []byte
		sid, tid uint8
		dti      [2]uint8
		fdiffs   []uint16
		chain    uint8
		active   uint32
		switch1  bool
	}{
		{name: "mandatory only, T1 template", pkt: mandatory(true, false, 7, 101).b,
			tid: 1, dti: [2]uint8{0, 1}, fdiffs: []uint16{1}, chain: 1, active: 0b11},
		{name: "template id wraps past 63", pkt: mandatory(false, true, 6, 65535).b,
			dti: [2]uint8{2, 2}, fdiffs: []uint16{2}, chain: 2, active: 0b11, switch1: true},
		{name: "active decode targets and custom fields",
			pkt: mandatory(true, true, 6, 102).put(0, 1).put(1, 1).put(1, 1).put(1, 1).put(1, 1).
				put(0b01, 2).                                         // active decode targets: DT0 only
				put(3, 2).put(1, 2).                                  // custom DTIs: R, D
				put(1, 2).put(0, 4).put(3, 2).put(299, 12).put(0, 2). // fdiffs 1 and 300
				put(9, 8).b,                                          // chain fdiff
			dti: [2]uint8{3, 1}, fdiffs: []uint16{1, 300}, chain: 9, active: 0b01},
		{name: "active decode targets persist", pkt: mandatory(true, true, 5, 103).b,
			dti: [2]uint8{2, 2}, active: 0b01, switch1: true},
	}
	var p DDParser
	var f DDFrame
	if err := p.Parse(keyframeL1T2(5), &f); err != nil {
		t.Fatal(err)
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Parse(tc.pkt, &f); err != nil {
				t.Fatal(err)
			}
			if f.SpatialID != tc.sid || f.TemporalID != tc.tid || [2]uint8(f.DTI[:2]) != tc.dti ||
				f.ChainFdiff[0] != tc.chain || f.ActiveDecodeTargets != tc.active || f.IsSwitch(1) != tc.switch1 {
				t.Errorf("frame %+v", f)
			}
			if len(tc.fdiffs) != int(f.NumFdiffs) {
				t.Fatalf("fdiffs %v, want %v", f.Fdiffs[:f.NumFdiffs], tc.fdiffs)
			}
			for i, d := range tc.fdiffs {
				if f.Fdiffs[i] != d {
					t.Errorf("fdiffs %v, want %v", f.Fdiffs[:f.NumFdiffs], tc.fdiffs)
				}
			}
		})
	}
}

func TestDDSpatial(t *testing.T) {
	var p DDParser
	var f DDFrame
	if err := p.Parse(l2t1(mandatory(true, false, 0, 1).put(1, 1).put(0, 4)).b, &f); err != nil {
		t.Fatal(err)
	}
	s := p.Structure()
	if s.MaxSpatialID != 1 || s.ChainCount != 2 || s.ProtectedBy[1] != 1 || s.DTSpatialID[1] != 1 ||
		s.Width[1] != 640 || s.Height[0] != 180 {
		t.Fatalf("structure %+v", s)
	}
	if err := p.Parse(mandatory(false, true, 2, 2).b, &f); err != nil {
		t.Fatal(err)
	}
	if f.SpatialID != 1 || !f.IsSwitch(1) || f.IsSwitch(0) || f.NumFdiffs != 2 || f.Fdiffs[1] != 2 || f.ChainFdiff[1] != 1 {
		t.Fatalf("S1 frame %+v", f)
	}
}

func TestDDErrors(t *testing.T) {
	tests := []struct {
		name   string
		before []byte
		pkt    []byte
		want   error
	}{
		{"short", nil, []byte{0x80, 0}, ErrShort},
		{"no structure yet", nil, mandatory(true, true, 0, 1).b, ErrNoStructure},
		{"template outside structure", keyframeL1T2(0), mandatory(true, true, 3, 1).b, ErrInvalid},
		{"structure cut", nil, keyframeL1T2(0)[:8], ErrShort},
		{"custom chains cut", keyframeL1T2(0), mandatory(true, true, 0, 1).put(0, 4).put(1, 1).b, ErrShort},
		{"too many templates", nil, func() []byte {
			w := mandatory(true, true, 0, 1).put(1, 1).put(0, 4).put(0, 6).put(0, 5)
			for range 70 {
				w.put(0, 2)
			}
			return w.b
		}(), ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var p DDParser
			var f DDFrame
			if tc.before != nil {
				if err := p.Parse(tc.before, &f); err != nil {
					t.Fatal(err)
				}
			}
			saved := p
			if err := p.Parse(tc.pkt, &f); !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
			if !sameState(&p, &saved) {
				t.Fatal("failed parse changed the parser's state")
			}
		})
	}
}

// checkActiveRewrite parses out with a copy of the parser state that
// parsed the original and checks that only the bitmask changed.
func checkActiveRewrite(t *testing.T, state DDParser, orig *DDFrame, out []byte, mask uint32) {
	t.Helper()
	var g DDFrame
	if err := state.Parse(out, &g); err != nil {
		t.Fatalf("rewritten descriptor %x does not parse: %v", out, err)
	}
	want := *orig
	want.ActiveDecodeTargets = mask & (uint32(1)<<orig.DTCount - 1)
	want.ActiveTargetsPresent = true
	g.extended, g.adtInsert, g.adtBits, g.endBits = want.extended, want.adtInsert, want.adtBits, want.endBits
	if g != want {
		t.Fatalf("after rewrite %+v\nwant %+v", g, want)
	}
}

func TestDDActiveDecodeTargets(t *testing.T) {
	var p DDParser
	var f DDFrame
	key := keyframeL1T2(0)
	before := p
	if err := p.Parse(key, &f); err != nil {
		t.Fatal(err)
	}
	if err := f.SetActiveDecodeTargets(key, 1); !errors.Is(err, ErrNotPresent) {
		t.Fatalf("SetActiveDecodeTargets without a bitmask = %v", err)
	}
	checkActiveRewrite(t, before, &f, f.AppendActiveDecodeTargets(nil, key, 0b01), 0b01)

	before = p
	delta := mandatory(true, true, 2, 7).b
	if err := p.Parse(delta, &f); err != nil {
		t.Fatal(err)
	}
	out := f.AppendActiveDecodeTargets([]byte{0xEE}, delta, 0b10)
	if out[0] != 0xEE || len(out) != 1+f.ActiveTargetsSize() {
		t.Fatalf("append clobbered dst or wrong size: %x", out)
	}
	checkActiveRewrite(t, before, &f, out[1:], 0b10)

	var g DDFrame
	if err := p.Parse(out[1:], &g); err != nil {
		t.Fatal(err)
	}
	before = p
	if err := g.SetActiveDecodeTargets(out[1:], 0b11); err != nil {
		t.Fatal(err)
	}
	checkActiveRewrite(t, before, &f, out[1:], 0b11)
}

func TestDDZeroAllocs(t *testing.T) {
	key, delta := keyframeL1T2(0), mandatory(true, true, 2, 7).b
	var p DDParser
	var f DDFrame
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if p.Parse(key, &f) != nil || p.Parse(delta, &f) != nil {
			t.Fatal("parse failed")
		}
		out := f.AppendActiveDecodeTargets(buf[:0], delta, 1)
		if p.Parse(out, &f) != nil || f.SetActiveDecodeTargets(out, 3) != nil {
			t.Fatal("rewrite failed")
		}
		_ = p.Parse(delta[:2], &f)
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkDDParse(b *testing.B) {
	var p DDParser
	var f DDFrame
	if err := p.Parse(keyframeL1T2(0), &f); err != nil {
		b.Fatal(err)
	}
	delta := mandatory(true, true, 2, 7).b
	b.ReportAllocs()
	for b.Loop() {
		if p.Parse(delta, &f) != nil {
			b.Fatal("parse failed")
		}
	}
}

func BenchmarkDDParseStructure(b *testing.B) {
	var p DDParser
	var f DDFrame
	key := keyframeL1T2(0)
	b.ReportAllocs()
	for b.Loop() {
		if p.Parse(key, &f) != nil {
			b.Fatal("parse failed")
		}
	}
}

// sameState compares what a parser carries to the next packet: the
// structure in effect and the active decode targets.
func sameState(a, b *DDParser) bool {
	sa, sb := a.Structure(), b.Structure()
	return a.active == b.active && (sa == nil) == (sb == nil) && (sa == nil || *sa == *sb)
}
