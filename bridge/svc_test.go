package bridge

import (
	"encoding/binary"
	"testing"
	"time"

	"meetd/bridge/codec"
)

// vp9Packet is a one-packet VP9 layer frame in flexible mode (SSRC 20, PT
// 101): picture ID pid, spatial layer sid, temporal layer tid; a keyframe
// (P=0) carries on its base layer a scalability structure of three layers
// (180, 360, 720 lines). The marker is set on the top layer.
func vp9Packet(seq, pid uint16, sid, tid uint8, key bool) []byte {
	b := make([]byte, 12, 64)
	b[0], b[1] = 0x80, 101
	if sid == 2 {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], uint32(pid)*3000)
	binary.BigEndian.PutUint32(b[8:], 20)
	d := byte(0x80 | 0x20 | 0x10 | 0x08 | 0x04) // I L F B E
	if !key {
		d |= 0x40 // P
	}
	ss := key && sid == 0
	if ss {
		d |= 0x02 // V
	}
	b = append(b, d, byte(0x80|pid>>8), byte(pid), tid<<5|sid<<1)
	if !key {
		b = append(b, 1<<1) // P_DIFF 1
	}
	if ss {
		b = append(b, 2<<5|0x10) // N_S = 3 layers, Y
		for _, h := range []int{180, 360, 720} {
			w := h * 16 / 9
			b = append(b, byte(w>>8), byte(w), byte(h>>8), byte(h))
		}
	}
	return append(b, 0xAA, 0xBB)
}

// TestVP9SVCForwarding: one VP9 SVC stream; a receiver asking 180 lines
// gets the base spatial layer only (marker moved to it, sequence numbers
// without gaps), one asking 720 gets all three layers.
func TestVP9SVCForwarding(t *testing.T) {
	c, eps := readyConference(64, "a", "low", "high")
	src := giveVideo(c, eps["a"], 1)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	settle(c)
	a, now, seq := eps["a"], time.Now(), uint16(100)
	picture := func(pid uint16, key bool, tid uint8) {
		for sid := range uint8(3) {
			a.forward(vp9Packet(seq, pid, sid, tid, key), a.ingress.Load().ssrcs[20], now)
			seq++
		}
		now = now.Add(33 * time.Millisecond)
	}
	picture(1, true, 0) // learns the three layers
	settle(c)
	if src.layers() != 3 || src.height(2) != 720 {
		t.Fatalf("layers %d, top height %d; want 3 and 720", src.layers(), src.height(2))
	}
	for _, e := range eps {
		for len(e.sendQ) > 0 {
			<-e.sendQ
		}
	}
	if got := eps["high"].down.alloc.Load().target(src.primary); got.enc != 2 {
		t.Fatalf("high receiver's target %+v, want spatial layer 2", got)
	}
	picture(2, true, 0)
	picture(3, false, 0)
	picture(4, false, 1)
	type rx struct {
		seq    uint16
		marker bool
		sid    uint8
	}
	got := func(e *endpoint) []rx {
		var out []rx
		for len(e.sendQ) > 0 {
			p := (<-e.sendQ).data
			out = append(out, rx{binary.BigEndian.Uint16(p[2:]), p[1]&0x80 != 0, p[15] >> 1 & 7})
		}
		return out
	}
	low, high := got(eps["low"]), got(eps["high"])
	if len(low) != 3 || len(high) != 9 {
		t.Fatalf("low got %d packets, high %d; want 3 (base layer of 3 pictures) and 9", len(low), len(high))
	}
	for i, p := range low {
		if p.sid != 0 || !p.marker || (i > 0 && p.seq != low[i-1].seq+1) {
			t.Errorf("low packet %d: %+v (want base layer, marker, consecutive numbers)", i, p)
		}
	}
	for i, p := range high {
		if p.marker != (p.sid == 2) || (i > 0 && p.seq != high[i-1].seq+1) {
			t.Errorf("high packet %d: %+v", i, p)
		}
	}
}

// FuzzForwardSVC runs arbitrary packets through the receive path of a
// single-SSRC sender, whose VP9 keyframes can make it an SVC source.
func FuzzForwardSVC(f *testing.F) {
	f.Add(vp9Packet(1, 1, 0, 0, true))
	f.Add(vp9Packet(2, 1, 2, 0, true))
	f.Add(vp9Packet(3, 2, 1, 2, false))
	f.Add(h264Packet(20, 4, 1, h264STAPKey...))
	fuzzSender(f, 1)
}

// TestSVCOnOneOfThreeEncodings: current clients send VP9/AV1 SVC on one
// encoding of a three-SSRC SIM group and leave the others off. The spatial
// layers are learned from that encoding; receivers asking 180 and 720
// lines get its base layer and all of it. Before the structure is known
// (AV1 without the dependency descriptor is not read for layers), a receiver asking 180 lines gets the only
// active encoding rather than nothing.
func TestSVCOnOneOfThreeEncodings(t *testing.T) {
	c, eps := readyConference(64, "a", "low", "high")
	src := giveVideo(c, eps["a"], 3)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	settle(c)
	a, now, seq := eps["a"], time.Now(), uint16(100)
	send := func(pkt []byte) {
		binary.BigEndian.PutUint32(pkt[8:], 22) // the third encoding
		a.forward(pkt, a.ingress.Load().ssrcs[22], now)
	}
	// AV1 keyframe on the top encoding only: both receivers get it.
	av1 := withPT(h264Packet(22, seq, 1, 0x18, 1), 41)
	send(av1)
	seq++
	if len(eps["low"].sendQ) != 1 || len(eps["high"].sendQ) != 1 {
		t.Fatalf("AV1 on the only active encoding: low got %d, high %d; want 1 each", len(eps["low"].sendQ), len(eps["high"].sendQ))
	}
	for _, e := range eps {
		for len(e.sendQ) > 0 {
			<-e.sendQ
		}
	}
	// VP9 SVC on the top encoding.
	picture := func(pid uint16, key bool) {
		for sid := range uint8(3) {
			send(vp9Packet(seq, pid, sid, 0, key))
			seq++
		}
		now = now.Add(33 * time.Millisecond)
	}
	picture(1, true)
	settle(c)
	if !src.isSVC() || src.layers() != 3 || src.ssrcOf(0) != 22 {
		t.Fatalf("svc %v layers %d keyframe SSRC %d; want SVC, 3 layers, 22", src.isSVC(), src.layers(), src.ssrcOf(0))
	}
	for _, e := range eps {
		for len(e.sendQ) > 0 {
			<-e.sendQ
		}
	}
	picture(2, true)
	picture(3, false)
	if len(eps["low"].sendQ) != 2 || len(eps["high"].sendQ) != 6 {
		t.Fatalf("low got %d packets, high %d; want 2 (base layers) and 6", len(eps["low"].sendQ), len(eps["high"].sendQ))
	}
	for _, e := range []*endpoint{eps["low"], eps["high"]} {
		for len(e.sendQ) > 0 {
			if ssrc := binary.BigEndian.Uint32((<-e.sendQ).data[8:]); ssrc != src.primary {
				t.Fatalf("%s got SSRC %d, want the primary %d", e.id, ssrc, src.primary)
			}
		}
	}
}

// TestSVCKeyframeAfterSqueeze: a projection the bandwidth estimate moves
// down to the base spatial layer asks for a keyframe until one is
// forwarded (the link may have lost base-layer packets before the
// switch); one moved down by the receiver's own constraint does not.
func TestSVCKeyframeAfterSqueeze(t *testing.T) {
	cases := []struct {
		name     string
		squeezed bool
		want     bool
	}{
		{"estimate", true, true},
		{"constraint", false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, now, seq := newProjection(), time.Now(), uint16(10)
			var d codec.VP9Descriptor
			picture := func(pid uint16, key bool, target layerTarget) {
				for sid := range uint8(3) {
					pkt := vp9Packet(seq, pid, sid, 0, key)
					v, ok := parseVideo(pkt, 12, len(pkt), codecVP9, &d)
					if !ok {
						t.Fatalf("packet %d not parsed", seq)
					}
					p.projectSVC(seq, uint32(pid)*3000, 0, &v, target, now)
					seq++
				}
			}
			top := layerTarget{enc: 2, tid: 2}
			picture(1, true, top)
			picture(2, false, top)
			if p.needsSVCKeyframe(top) {
				t.Fatal("wants a keyframe while at the target layer")
			}
			down := layerTarget{enc: 0, tid: 2, squeezed: tc.squeezed}
			picture(3, false, down)
			if p.sid != 0 || p.needsSVCKeyframe(down) != tc.want {
				t.Fatalf("after going down: layer %d, asks keyframe %v; want 0, %v", p.sid, p.needsSVCKeyframe(down), tc.want)
			}
			picture(4, false, down)
			if p.needsSVCKeyframe(down) != tc.want {
				t.Fatalf("asks keyframe %v before one came, want %v", p.needsSVCKeyframe(down), tc.want)
			}
			picture(5, true, down)
			if p.sid != 0 || p.needsSVCKeyframe(down) {
				t.Fatalf("after the keyframe: layer %d, asks keyframe %v; want 0, false", p.sid, p.needsSVCKeyframe(down))
			}
		})
	}
}
