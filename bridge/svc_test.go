package bridge

import (
	"encoding/binary"
	"testing"
	"time"

	"github.com/pion/rtp"
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
	c, eps := testConference("a", "low", "high")
	for _, e := range eps {
		e.srtpReady.Store(true)
		e.sendQ = make(chan *outPacket, 64)
	}
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
	c, eps := testConference("a", "low", "high")
	for _, e := range eps {
		e.srtpReady.Store(true)
	}
	giveVideo(c, eps["a"], 1)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.def.maxHeight = 720 })
	settle(c)
	now := time.Unix(1, 0)
	f.Fuzz(func(t *testing.T, b []byte) {
		var h rtp.Header
		now = now.Add(10 * time.Millisecond)
		if v, route := inspectRTP(b, eps["a"].ingress.Load(), &h); v == verdictForward {
			eps["a"].forward(b, route, now)
		}
		settle(c)
		for _, e := range eps {
			for len(e.sendQ) > 0 {
				e.b.bufs.Put(<-e.sendQ)
			}
			drain(e.msgQ)
		}
	})
}
