package bridge

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// bitWriter lays out MSB-first bit fields as the dependency descriptor's
// syntax does (AV1 RTP spec, Appendix A); the tests build descriptors with
// it, independently of the codec package.
type bitWriter struct {
	b []byte
	n int
}

func (w *bitWriter) put(v uint32, width int) *bitWriter {
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

func (w *bitWriter) flag(b bool) *bitWriter {
	if b {
		return w.put(1, 1)
	}
	return w.put(0, 1)
}

// ns writes v as a non-symmetric unsigned value in [0, n) (AV1 spec 4.10.7).
func (w *bitWriter) ns(v, n uint32) *bitWriter {
	width := 0
	for x := n; x != 0; x >>= 1 {
		width++
	}
	m := uint32(1)<<width - n
	if v < m {
		return w.put(v, width-1)
	}
	return w.put((v+m)>>1, width-1).put((v+m)&1, 1)
}

// ddTmpl is one template of a test structure.
type ddTmpl struct {
	sid, tid int
	next     uint32 // next_layer_idc after it
	dti      []uint32
	fdiffs   []uint32
}

// ddStruct is a test template dependency structure with one chain per
// spatial layer (decode target dt is protected by chain dt/perS).
type ddStruct struct {
	offset  uint32 // template_id_offset
	dts     int
	perS    int // decode targets per spatial layer
	chains  int
	heights []int
	tmpls   []ddTmpl
}

func (s *ddStruct) write(w *bitWriter) {
	w.put(s.offset, 6).put(uint32(s.dts-1), 5)
	for _, t := range s.tmpls {
		w.put(t.next, 2)
	}
	for _, t := range s.tmpls {
		for _, d := range t.dti {
			w.put(d, 2)
		}
	}
	for _, t := range s.tmpls {
		for _, f := range t.fdiffs {
			w.put(1, 1).put(f-1, 4)
		}
		w.put(0, 1)
	}
	w.ns(uint32(s.chains), uint32(s.dts+1))
	if s.chains > 0 {
		for dt := range s.dts {
			w.ns(uint32(dt/s.perS), uint32(s.chains))
		}
		for range s.tmpls {
			for range s.chains {
				w.put(0, 4)
			}
		}
	}
	w.put(1, 1)
	for _, h := range s.heights {
		w.put(uint32(h*16/9-1), 16).put(uint32(h-1), 16)
	}
}

// descriptor builds the dependency descriptor of one packet of a frame of
// template tmpl; with the structure when structure is set, with the active
// decode targets mask when mask >= 0.
func (s *ddStruct) descriptor(tmpl int, frame uint16, sof, eof, structure bool, mask int) []byte {
	w := &bitWriter{}
	w.flag(sof).flag(eof).put((uint32(tmpl)+s.offset)%64, 6).put(uint32(frame), 16)
	if structure || mask >= 0 {
		w.flag(structure).flag(mask >= 0).put(0, 3)
		if structure {
			s.write(w)
		}
		if mask >= 0 {
			w.put(uint32(mask), s.dts)
		}
	}
	return w.b
}

// Decode target indications.
const (
	dtiNo, dtiDiscardable, dtiSwitch, dtiRequired = 0, 1, 2, 3
)

// l3t3Key is an L3T3_KEY structure: three spatial layers of 180, 360 and
// 720 lines that depend on each other only at keyframes, three temporal
// layers in the pattern T0 T2 T1 T2, decode target 3s+t for spatial s and
// temporal t. Per spatial layer the templates are (index 5s + i): keyframe
// part, T0, T1, T2 after T0, T2 after T1. Frame diffs count frames, three
// per picture.
func l3t3Key() *ddStruct {
	s := &ddStruct{offset: 10, dts: 9, perS: 3, chains: 3, heights: []int{180, 360, 720}}
	for sid := range 3 {
		dti := func(f func(s, t int) uint32) []uint32 {
			out := make([]uint32, 9)
			for dt := range out {
				out[dt] = f(dt/3, dt%3)
			}
			return out
		}
		key := ddTmpl{sid: sid, dti: dti(func(s, _ int) uint32 {
			if s >= sid {
				return dtiSwitch
			}
			return dtiNo
		})}
		if sid > 0 {
			key.fdiffs = []uint32{1}
		}
		t0 := ddTmpl{sid: sid, next: 1, fdiffs: []uint32{12}, dti: dti(func(s, _ int) uint32 {
			if s == sid {
				return dtiRequired
			}
			return dtiNo
		})}
		t1 := ddTmpl{sid: sid, tid: 1, next: 1, fdiffs: []uint32{6}, dti: dti(func(s, t int) uint32 {
			switch {
			case s != sid || t == 0:
				return dtiNo
			case t == 1:
				return dtiSwitch
			}
			return dtiRequired
		})}
		t2a := ddTmpl{sid: sid, tid: 2, fdiffs: []uint32{3}, dti: dti(func(s, t int) uint32 {
			if s == sid && t == 2 {
				return dtiSwitch
			}
			return dtiNo
		})}
		t2b := ddTmpl{sid: sid, tid: 2, next: 2, fdiffs: []uint32{3}, dti: dti(func(s, t int) uint32 {
			if s == sid && t == 2 {
				return dtiDiscardable
			}
			return dtiNo
		})}
		s.tmpls = append(s.tmpls, key, t0, t1, t2a, t2b)
	}
	s.tmpls[len(s.tmpls)-1].next = 3
	return s
}

// l1t3 is one spatial layer (360 lines) with three temporal layers in the
// pattern T0 T2 T1 T2; decode target t is temporal layers 0..t.
func l1t3() *ddStruct {
	return &ddStruct{dts: 3, perS: 3, chains: 1, heights: []int{360}, tmpls: []ddTmpl{
		{dti: []uint32{2, 2, 2}},
		{next: 1, dti: []uint32{2, 2, 2}, fdiffs: []uint32{4}},
		{tid: 1, next: 1, dti: []uint32{0, 2, 3}, fdiffs: []uint32{2}},
		{tid: 2, dti: []uint32{0, 0, 2}, fdiffs: []uint32{1}},
		{tid: 2, next: 3, dti: []uint32{0, 0, 1}, fdiffs: []uint32{1}},
	}}
}

// av1RTP is an AV1 packet (PT 41) whose header extensions are a 2-byte
// element (ID 5), the descriptor (ID 11) and a 3-byte element (ID 3), in
// the one-byte format when the descriptor fits it, else the two-byte one.
// The payload's aggregation header has N set on a keyframe's first packet.
func av1RTP(ssrc uint32, seq uint16, ts uint32, dd []byte, marker, key bool) []byte {
	b := make([]byte, 16, 1500)
	b[0], b[1] = 0x90, 41
	if marker {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	var ext []byte
	if len(dd) <= 16 {
		binary.BigEndian.PutUint16(b[12:], 0xBEDE)
		ext = append(ext, 0x51, 0xAB, 0xCD, 0xB0|byte(len(dd)-1))
		ext = append(append(ext, dd...), 0x32, 1, 2, 3)
	} else {
		binary.BigEndian.PutUint16(b[12:], 0x1000)
		ext = append(ext, 5, 2, 0xAB, 0xCD, 11, byte(len(dd)))
		ext = append(append(ext, dd...), 3, 3, 1, 2, 3)
	}
	for len(ext)%4 != 0 {
		ext = append(ext, 0)
	}
	binary.BigEndian.PutUint16(b[14:], uint16(len(ext)/4))
	agg := byte(0x10) // W=1: one OBU element
	if key {
		agg |= 0x08
	}
	// Payload bytes with the high bit set: a reader that took this for a
	// VP8 descriptor would find a picture ID in it.
	return append(append(b, ext...), agg, 0x80, 0x81, 0x82, 0x83)
}

// av1Sender sends pictures of an AV1 stream with dependency descriptors,
// two packets per frame, and remembers each packet it sent.
type av1Sender struct {
	t     *testing.T
	e     *endpoint
	st    *ddStruct
	ssrc  uint32
	seq   uint16
	frame uint16
	now   time.Time
	sent  map[[2]uint16][]byte // by (frame number, packet of the frame): the descriptor
}

func newAV1Sender(t *testing.T, e *endpoint, st *ddStruct, ssrc uint32) *av1Sender {
	return &av1Sender{t: t, e: e, st: st, ssrc: ssrc, seq: 1000, frame: 500, now: time.Now(),
		sent: map[[2]uint16][]byte{}}
}

// picturePattern maps a picture's position after a keyframe to its
// per-spatial-layer template (T0, T2, T1, T2).
var picturePattern = [4]int{1, 3, 2, 4}

// picture sends picture k after a keyframe (k = 0: the keyframe) of
// every spatial layer.
func (s *av1Sender) picture(k int) {
	layers := len(s.st.heights)
	for sid := range layers {
		tmpl := 5*sid + picturePattern[k%4]
		if k == 0 {
			tmpl = 5 * sid
		}
		for part := range 2 {
			dd := s.st.descriptor(tmpl, s.frame, part == 0, part == 1, k == 0 && sid == 0 && part == 0, -1)
			s.sent[[2]uint16{s.frame, uint16(part)}] = dd
			pkt := av1RTP(s.ssrc, s.seq, uint32(1000+k*3000), dd, sid == layers-1 && part == 1, k == 0 && sid == 0 && part == 0)
			s.e.forward(pkt, s.e.ingress.Load().ssrcs[s.ssrc], s.now)
			s.seq++
		}
		s.frame++
	}
	s.now = s.now.Add(33 * time.Millisecond)
}

// av1Out is one packet a receiver got.
type av1Out struct {
	seq      uint16
	ssrc     uint32
	marker   bool
	sid, tid int
	frame    uint16
	part     uint16 // 0: first packet of the frame
	dd       []byte
	pkt      []byte
}

// received reads what e was sent, checking that the other extensions and
// the payload came through unchanged.
func (s *av1Sender) received(e *endpoint) []av1Out {
	s.t.Helper()
	var out []av1Out
	for len(e.sendQ) > 0 {
		p := <-e.sendQ
		if p.rtcp {
			continue
		}
		var h rtp.Header
		n, err := h.Unmarshal(p.data)
		if err != nil {
			s.t.Fatalf("%s got an unreadable packet %x: %v", e.id, p.data, err)
		}
		dd := h.GetExtension(11)
		if len(dd) < 3 || !bytes.Equal(h.GetExtension(5), []byte{0xAB, 0xCD}) || !bytes.Equal(h.GetExtension(3), []byte{1, 2, 3}) ||
			!bytes.Equal(p.data[n:], []byte{p.data[n], 0x80, 0x81, 0x82, 0x83}) {
			s.t.Fatalf("%s got a damaged packet %x", e.id, p.data)
		}
		idx := (int(dd[0]&0x3F) + 64 - int(s.st.offset)) % 64
		tm := s.st.tmpls[idx]
		part := uint16(1)
		if dd[0]&0x80 != 0 {
			part = 0
		}
		out = append(out, av1Out{seq: h.SequenceNumber, ssrc: h.SSRC, marker: h.Marker, sid: tm.sid, tid: tm.tid,
			frame: binary.BigEndian.Uint16(dd[1:]), part: part, dd: dd, pkt: p.data})
	}
	return out
}

// check verifies a receiver's packets: consecutive sequence numbers from
// the first, the layers allowed, the marker exactly on the ends of frames
// of spatial layer markSid, and descriptors unchanged except on the
// frames in announce, which must carry that active decode targets mask.
func (s *av1Sender) check(name string, got []av1Out, maxSid, maxTid, markSid int, announce map[uint16]int) {
	s.t.Helper()
	for i, p := range got {
		desc := fmt.Sprintf("%s packet %d (frame %d part %d, S%dT%d)", name, i, p.frame, p.part, p.sid, p.tid)
		if i > 0 && p.seq != got[i-1].seq+1 {
			s.t.Errorf("%s: sequence number %d after %d", desc, p.seq, got[i-1].seq)
		}
		if p.ssrc != s.ssrc || p.sid > maxSid || p.tid > maxTid {
			s.t.Errorf("%s: SSRC %d, want %d and layers up to S%dT%d", desc, p.ssrc, s.ssrc, maxSid, maxTid)
		}
		if want := p.part == 1 && p.sid == markSid; p.marker != want {
			s.t.Errorf("%s: marker %v, want %v", desc, p.marker, want)
		}
		orig := s.sent[[2]uint16{p.frame, p.part}]
		want := orig
		if mask, ok := announce[p.frame]; ok {
			tmpl := (int(orig[0]&0x3F) + 64 - int(s.st.offset)) % 64
			want = s.st.descriptor(tmpl, p.frame, p.part == 0, p.part == 1, len(orig) > 3, mask)
		}
		if !bytes.Equal(p.dd, want) {
			s.t.Errorf("%s: descriptor %x, want %x", desc, p.dd, want)
		}
	}
}

func drainAll(eps map[string]*endpoint) {
	for _, e := range eps {
		for len(e.sendQ) > 0 {
			<-e.sendQ
		}
	}
}

// TestAV1SVCForwarding: one L3T3_KEY stream on one SSRC; a receiver asking
// 180 lines gets spatial layer 0 of it (all temporal layers), with the
// marker bit on each of its frames and, on the keyframe, the decode
// targets of that layer announced active; a receiver asking 720 lines gets
// everything unchanged. Sequence numbers have no gaps.
func TestAV1SVCForwarding(t *testing.T) {
	c, eps := readyConference(256, "a", "low", "high")
	src := giveVideo(c, eps["a"], 1)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	settle(c)
	s := newAV1Sender(t, eps["a"], l3t3Key(), 20)
	s.picture(0) // learns the layers
	settle(c)
	if src.layers() != 3 || src.height(0) != 180 || src.height(2) != 720 {
		t.Fatalf("layers %d heights %d..%d; want 3 layers of 180..720 lines", src.layers(), src.height(0), src.height(2))
	}
	if got := eps["high"].down.alloc.Load().target(src.primary); got.enc != 2 {
		t.Fatalf("high receiver's target %+v, want spatial layer 2", got)
	}
	drainAll(eps)
	key := s.frame
	for k := range 5 {
		s.picture(k)
	}
	low, high := s.received(eps["low"]), s.received(eps["high"])
	if len(low) != 10 || len(high) != 30 {
		t.Fatalf("low got %d packets, high %d; want 10 (spatial layer 0 of 5 pictures) and 30", len(low), len(high))
	}
	s.check("low", low, 0, 2, 0, map[uint16]int{key: 0b000_000_111})
	s.check("high", high, 2, 2, 2, nil)
}

// TestAV1SVCSwitching: a receiver goes up to 720 lines only at a keyframe
// (asking the sender for one meanwhile), back down to 180 at the next
// picture, and to 15 fps (temporal layers 0 and 1) at the next picture
// forwarded; each change is announced in the descriptors of the first
// picture forwarded after it, and the numbering stays continuous.
func TestAV1SVCSwitching(t *testing.T) {
	c, eps := readyConference(256, "a", "r")
	giveVideo(c, eps["a"], 1)
	s := newAV1Sender(t, eps["a"], l3t3Key(), 20)
	s.picture(0)
	settle(c)
	drainAll(eps)
	set := func(h int, fps float64) {
		c.setPrefs(eps["r"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: h, maxFPS: fps}} })
		settle(c)
	}
	var got []av1Out
	step := func(name string, k, maxSid, maxTid, markSid int, announce map[uint16]int, want int) {
		t.Helper()
		s.picture(k)
		rx := s.received(eps["r"])
		if len(rx) != want {
			t.Fatalf("%s: got %d packets, want %d", name, len(rx), want)
		}
		got = append(got, rx...)
		s.check(name, rx, maxSid, maxTid, markSid, announce)
	}
	step("180 keyframe", 0, 0, 2, 0, map[uint16]int{s.frame: 0b111}, 2)
	step("180", 1, 0, 2, 0, nil, 2)
	set(720, 0)
	for len(eps["a"].sendQ) > 0 {
		<-eps["a"].sendQ
	}
	step("720 wanted, no keyframe", 2, 0, 2, 0, nil, 2)
	if len(eps["a"].sendQ) == 0 || !(<-eps["a"].sendQ).rtcp {
		t.Fatal("no keyframe request while the receiver waits to go up")
	}
	step("720 keyframe", 0, 2, 2, 2, nil, 6)
	step("720", 1, 2, 2, 2, nil, 6)
	set(180, 0)
	step("back to 180", 2, 0, 2, 0, map[uint16]int{s.frame: 0b111}, 2)
	set(180, 15)
	step("15 fps, T2 picture", 3, 0, 1, 0, nil, 0)
	step("15 fps, T0 picture", 4, 0, 1, 0, map[uint16]int{s.frame: 0b011}, 2)
	set(180, 30)
	step("30 fps wanted, T2 picture", 5, 0, 1, 0, nil, 0)
	step("30 fps wanted, T1 picture", 6, 0, 1, 0, nil, 2)
	step("30 fps, T0 picture", 8, 0, 2, 0, map[uint16]int{s.frame: 0b111}, 2)
	for i := 1; i < len(got); i++ {
		if got[i].seq != got[i-1].seq+1 {
			t.Errorf("sequence number %d after %d", got[i].seq, got[i-1].seq)
		}
	}
}
