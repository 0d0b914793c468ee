package bridge

import (
	"encoding/binary"
	"testing"
)

// vp8Packet builds an RTP packet (PT 100) with a VP8 descriptor carrying
// a 15-bit PictureID, TL0PICIDX and TID; a keyframe has a frame header
// with width 16/9 of height.
func vp8Packet(ssrc uint32, seq uint16, ts uint32, pid uint16, tl0, tid uint8, key bool, height int) []byte {
	b := make([]byte, 12, 64)
	b[0], b[1] = 0x80, 100
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	b = append(b, 0x90, 0xE0, byte(0x80|pid>>8&0x7F), byte(pid), tl0, tid<<6)
	if key {
		w := height * 16 / 9
		b = append(b, 0x10, 0, 0, 0x9d, 0x01, 0x2a, byte(w), byte(w>>8), byte(height), byte(height>>8))
	} else {
		b = append(b, 0x11, 0, 0)
	}
	return append(b, 1, 2, 3, 4)
}

func TestParseVP8(t *testing.T) {
	cases := []struct {
		name string
		pkt  []byte
		ok   bool
		want vp8Info
	}{
		{"keyframe", vp8Packet(1, 1, 1, 300, 7, 0, true, 720), true,
			vp8Info{start: true, keyframe: true, pidOff: 14, pidLong: true, pid: 300, tl0Off: 16, tl0: 7, hasTID: true, width: 1280, height: 720}},
		{"delta frame tid 2", vp8Packet(1, 1, 1, 5, 9, 2, false, 0), true,
			vp8Info{start: true, pidOff: 14, pidLong: true, pid: 5, tl0Off: 16, tl0: 9, hasTID: true, tid: 2}},
		{"short picture id", append(vp8Packet(1, 1, 1, 0, 0, 0, false, 0)[:12], 0x80, 0x80, 0x05, 0x11, 0, 0), true,
			vp8Info{pidOff: 14, pid: 5}},
		{"no descriptor extension", append(vp8Packet(1, 1, 1, 0, 0, 0, false, 0)[:12], 0x00, 0x11, 0, 0), true, vp8Info{}},
		{"truncated picture id", append(vp8Packet(1, 1, 1, 0, 0, 0, false, 0)[:12], 0x80, 0x80, 0x80), false, vp8Info{}},
		{"truncated extension", append(vp8Packet(1, 1, 1, 0, 0, 0, false, 0)[:12], 0x80), false, vp8Info{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s, e, ok := rtpPayload(tc.pkt)
			if !ok {
				t.Fatal("no payload")
			}
			got, ok := parseVP8(tc.pkt, s, e)
			if ok != tc.ok || (ok && got != tc.want) {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tc.want, tc.ok)
			}
		})
	}
}

func TestRewriteVP8(t *testing.T) {
	pkt := vp8Packet(1, 1, 1, 0x7FFE, 255, 1, false, 0)
	s, e, _ := rtpPayload(pkt)
	v, _ := parseVP8(pkt, s, e)
	v.writePictureID(pkt, 0x7FFF+2)
	v.writeTL0(pkt, 3)
	got, _ := parseVP8(pkt, s, e)
	if got.pid != 1 || got.tl0 != 3 || got.tid != 1 || !got.pidLong {
		t.Fatalf("rewritten %+v", got)
	}
}

func TestRTPPayload(t *testing.T) {
	pad := vp8Packet(1, 1, 1, 0, 0, 0, false, 0)
	pad[0] |= 0x20
	pad = append(pad, 0, 0, byte(len(pad)+3-12)) // padding covering everything
	cases := []struct {
		name string
		pkt  []byte
		ok   bool
	}{
		{"plain", vp8Packet(1, 1, 1, 0, 0, 0, false, 0), true},
		{"short", []byte{0x80, 100}, false},
		{"only padding", pad, false},
		{"extension past end", []byte{0x90, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0, 9}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if _, _, ok := rtpPayload(tc.pkt); ok != tc.ok {
				t.Fatalf("ok = %v", ok)
			}
		})
	}
}

func FuzzParseVP8(f *testing.F) {
	f.Add(vp8Packet(1, 1, 1, 300, 7, 0, true, 720))
	f.Add(vp8Packet(1, 1, 1, 5, 9, 2, false, 0))
	f.Fuzz(func(t *testing.T, pkt []byte) {
		s, e, ok := rtpPayload(pkt)
		if !ok {
			return
		}
		if s < 12 || e > len(pkt) || s >= e {
			t.Fatalf("bounds %d..%d of %d", s, e, len(pkt))
		}
		v, ok := parseVP8(pkt, s, e)
		if ok {
			v.writePictureID(pkt, v.pid+1)
			v.writeTL0(pkt, v.tl0+1)
		}
	})
}
