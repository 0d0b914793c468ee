package load

import (
	"testing"

	"meetd/bridge/codec"
)

// TestAV1Descriptor parses the AV1 sender's dependency descriptors with the
// bridge's parser: the structure on a keyframe, then per-frame templates
// resolved to spatial layers, decode target indications and frame diffs.
func TestAV1Descriptor(t *testing.T) {
	var p codec.DDParser
	var f codec.DDFrame
	key := ddDescriptor(nil, av1Frame{sid: 0, key: true, frame: 30, sof: true})
	if len(key) <= 16 {
		t.Fatalf("keyframe descriptor is %d bytes; the test expects the two-byte extension case", len(key))
	}
	if err := p.Parse(key, &f); err != nil {
		t.Fatal(err)
	}
	st := p.Structure()
	if !f.StructurePresent || st.DTCount != 3 || st.TemplateCount != 6 || st.MaxSpatialID != 2 || !st.HasResolutions {
		t.Fatalf("structure %+v", st)
	}
	for i := range svcLayers {
		if st.Width[i] != svcWidth[i] || st.Height[i] != svcHeight[i] {
			t.Errorf("layer %d resolution %dx%d", i, st.Width[i], st.Height[i])
		}
	}
	tests := []struct {
		name     string
		f        av1Frame
		wantDTI  [3]uint8
		wantDiff []uint16
	}{
		{"key base layer", av1Frame{sid: 0, key: true, frame: 30, sof: true, eof: true}, [3]uint8{2, 2, 2}, nil},
		{"key top layer", av1Frame{sid: 2, key: true, frame: 32, eof: true}, [3]uint8{0, 0, 2}, []uint16{1}},
		{"delta mid layer", av1Frame{sid: 1, frame: 34, sof: true}, [3]uint8{0, 3, 0}, []uint16{3}},
		{"delta base layer", av1Frame{sid: 0, frame: 33, sof: true, eof: true}, [3]uint8{3, 0, 0}, []uint16{3}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if err := p.Parse(ddDescriptor(nil, tc.f), &f); err != nil {
				t.Fatal(err)
			}
			if f.SpatialID != tc.f.sid || f.TemporalID != 0 || f.FrameNumber != tc.f.frame ||
				f.StartOfFrame != tc.f.sof || f.EndOfFrame != tc.f.eof {
				t.Errorf("frame %+v", f)
			}
			if [3]uint8(f.DTI[:3]) != tc.wantDTI {
				t.Errorf("DTI %v, want %v", f.DTI[:3], tc.wantDTI)
			}
			if got := f.Fdiffs[:f.NumFdiffs]; len(got) != len(tc.wantDiff) || (len(got) > 0 && got[0] != tc.wantDiff[0]) {
				t.Errorf("fdiffs %v, want %v", got, tc.wantDiff)
			}
		})
	}
}

// TestTwoByteExtensions checks that a descriptor longer than 16 bytes
// switches the header to two-byte elements that the receiver side reads.
func TestTwoByteExtensions(t *testing.T) {
	dd := ddDescriptor(nil, av1Frame{key: true, sof: true})
	b := writeRTPHeader(nil, rtpHead{pt: 45, seq: 7, ssrc: 9},
		[]hdrExt{{id: 3, val: []byte{0x12, 0x34}}, {id: 11, val: dd}})
	if b[12] != 0x10 || b[13] != 0x00 {
		t.Fatalf("profile %x", b[12:14])
	}
	var v rtpView
	if !parseRTPHeader(b, 3, &v) || !v.hasTW || v.twcc != 0x1234 || v.hdrLen != len(b) {
		t.Fatalf("view %+v of %d bytes", v, len(b))
	}
	if got := b[rtpHeaderLen+4+4+2 : rtpHeaderLen+4+4+2+len(dd)]; string(got) != string(dd) {
		t.Errorf("descriptor element %x, want %x", got, dd)
	}
}

// TestAV1Aggregation checks the aggregation header's Z, Y and N bits.
func TestAV1Aggregation(t *testing.T) {
	tests := []struct {
		name string
		f    av1Frame
		i, n int
		want byte
	}{
		{"keyframe first of two", av1Frame{key: true}, 0, 2, 0x58},
		{"keyframe last of two", av1Frame{key: true}, 1, 2, 0x90},
		{"upper layer keyframe", av1Frame{key: true, sid: 1}, 0, 1, 0x10},
		{"delta middle", av1Frame{}, 1, 3, 0xD0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := av1Aggregation(tc.f, tc.i, tc.n); got != tc.want {
				t.Errorf("got %#x, want %#x", got, tc.want)
			}
		})
	}
}
