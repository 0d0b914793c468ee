package bridge

import (
	"encoding/binary"
	"strconv"
	"testing"
	"time"

	"meetd/bridge/codec"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// testMedia is what the focus offers every endpoint: Opus (111) with RED
// (112), VP8 100/96, VP9 101/97, AV1 41/42 and H.264 107/99.
func testMedia() mediaState {
	var m mediaState
	video := colibri.Media{Type: "video"}
	for _, c := range []struct {
		name    string
		pt, rtx uint8
	}{{"VP8", 100, 96}, {"VP9", 101, 97}, {"AV1", 41, 42}, {"H264", 107, 99}} {
		video.PayloadTypes = append(video.PayloadTypes, jingle.PayloadType{ID: c.pt, Name: c.name},
			jingle.PayloadType{ID: c.rtx, Name: "rtx", Params: []jingle.Parameter{{Name: "apt", Value: strconv.Itoa(int(c.pt))}}})
	}
	video.HdrExts = []jingle.HdrExt{{ID: 11, URI: uriDD}}
	m.add([]colibri.Media{{Type: "audio", PayloadTypes: []jingle.PayloadType{{ID: 112, Name: "red"}, {ID: 111, Name: "opus"}}}, video})
	return m
}

// withPT returns pkt with its payload type replaced.
func withPT(pkt []byte, pt uint8) []byte {
	pkt[1] = pkt[1]&0x80 | pt
	return pkt
}

// h264Packet is an RTP packet (PT 107) with an H.264 payload.
func h264Packet(ssrc uint32, seq uint16, ts uint32, payload ...byte) []byte {
	b := make([]byte, 12, 64)
	b[0], b[1] = 0x80, 107
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[4:], ts)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	return append(b, payload...)
}

// H.264 payloads: a STAP-A with SPS and PPS, FU-A fragments of an IDR, a
// single non-IDR slice.
var (
	h264STAPKey  = []byte{0x18, 0, 3, 0x67, 0x42, 0xe0, 0, 2, 0x68, 0xce}
	h264FUStart  = []byte{0x7c, 0x85, 1, 2, 3}
	h264FUMiddle = []byte{0x7c, 0x05, 4, 5, 6}
	h264Slice    = []byte{0x41, 0x9a, 1, 2}
)

func TestParseH264(t *testing.T) {
	cases := []struct {
		name     string
		payload  []byte
		ok, key  bool
		startBit bool
	}{
		{"STAP-A with SPS", h264STAPKey, true, true, true},
		{"STAP-A without SPS/IDR", []byte{0x18, 0, 2, 0x41, 1, 0, 2, 0x41, 2}, true, false, true},
		{"FU-A IDR start", h264FUStart, true, true, true},
		{"FU-A IDR middle", h264FUMiddle, true, false, false},
		{"single IDR", []byte{0x65, 0x88, 1}, true, true, true},
		{"single SPS", []byte{0x67, 0x42}, true, true, true},
		{"single slice", h264Slice, true, false, true},
		{"STAP-A unit too long", []byte{0x18, 0, 9, 0x67}, false, false, false},
		{"STAP-A zero size", []byte{0x18, 0, 0, 0x67}, false, false, false},
		{"FU-A without header", []byte{0x7c}, false, false, false},
		{"forbidden bit", []byte{0xe5, 1}, false, false, false},
		{"STAP-B (not offered)", []byte{0x19, 0, 0, 1}, false, false, false},
		{"empty", nil, false, false, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			v, ok := parseH264(tc.payload)
			if ok != tc.ok || v.keyframe != tc.key || (ok && v.start != tc.startBit) {
				t.Fatalf("parseH264 = %+v, %v; want ok %v keyframe %v start %v", v, ok, tc.ok, tc.key, tc.startBit)
			}
		})
	}
}

func TestParseAV1AndVP9(t *testing.T) {
	if v, ok := parseAV1([]byte{0x18, 1}); !ok || !v.keyframe || !v.start {
		t.Errorf("AV1 N=1: %+v %v", v, ok)
	}
	if v, ok := parseAV1([]byte{0x90, 1}); !ok || v.keyframe || v.start {
		t.Errorf("AV1 continuation: %+v %v", v, ok)
	}
	var d codec.VP9Descriptor
	// I, B, E, V; 15-bit picture ID 300; SS: one spatial layer 640x360.
	key := append(make([]byte, 12), 0x8E, 0x81, 0x2C, 0x10, 0x02, 0x80, 0x01, 0x68, 9, 9)
	v, ok := parseVideo(key, 12, len(key), codecVP9, &d)
	if !ok || !v.keyframe || v.pid != 300 || !v.pidLong || v.pidOff != 13 || v.height != 360 {
		t.Fatalf("VP9 keyframe: %+v %v", v, ok)
	}
	v.writePictureID(key, 5)
	if d.Parse(key[12:]) != nil || d.PictureID != 5 {
		t.Errorf("rewritten VP9 picture ID %d", d.PictureID)
	}
	// P, L (TID 2, SID 0), non-flexible TL0PICIDX 7.
	delta := append(make([]byte, 12), 0xEC, 0x81, 0x2D, 0x40, 7, 9)
	if v, ok := parseVideo(delta, 12, len(delta), codecVP9, &d); !ok || v.keyframe || !v.hasTID || v.tid != 2 || v.tl0 != 7 || v.tl0Off != 16 {
		t.Errorf("VP9 delta: %+v %v", v, ok)
	}
	if _, ok := parseVideo(delta, 12, len(delta), codecUnknown, &d); ok {
		t.Error("an unknown codec was read")
	}
}

// TestH264SimulcastForwarding: H.264 simulcast is projected like VP8's:
// each receiver gets its encoding on the primary SSRC, switching at the
// keyframes found in STAP-A / FU-A payloads.
func TestH264SimulcastForwarding(t *testing.T) {
	c, eps := readyConference(64, "a", "low", "high")
	src := giveVideo(c, eps["a"], 3)
	c.setPrefs(eps["high"], func(p *receiverPrefs) { p.per = map[string]constraint{"a-v0": {maxHeight: 720}} })
	settle(c)
	now := time.Now()
	send := func(enc int, seq uint16, payload []byte) {
		pkt := h264Packet(uint32(20+enc), seq, uint32(seq)*3000, payload...)
		eps["a"].forward(pkt, eps["a"].ingress.Load().ssrcs[uint32(20+enc)], now)
	}
	for enc := range 3 {
		send(enc, 100, h264Slice)
	}
	if len(eps["low"].sendQ)+len(eps["high"].sendQ) != 0 {
		t.Fatal("forwarded before a keyframe")
	}
	if len(eps["a"].sendQ) == 0 {
		t.Fatal("no keyframe request to the sender")
	}
	for enc := range 3 {
		send(enc, 101, h264STAPKey)
		send(enc, 102, h264FUStart)
		send(enc, 103, h264FUMiddle)
	}
	checkQueue(t, eps["low"], src.primary, 3)
	checkQueue(t, eps["high"], src.primary, 3)
	if got := eps["high"].down.alloc.Load().target(src.primary); got.enc != 2 {
		t.Fatalf("high receiver's target %+v", got)
	}
	// The low receiver's sequence numbers continue across dropped packets of
	// other encodings: the next packet of encoding 0 follows directly.
	send(0, 104, h264Slice)
	p := <-eps["low"].sendQ
	if got := binary.BigEndian.Uint16(p.data[2:]); got != 104 {
		t.Errorf("low receiver's next sequence number %d, want 104", got)
	}
}

// TestReceiverGetsOnlyOfferedCodecs: video in a payload type a receiver
// was not offered is not sent to it; the others get it.
func TestReceiverGetsOnlyOfferedCodecs(t *testing.T) {
	c, eps := readyConference(0, "a", "vp8only", "all")
	var m mediaState
	m.add([]colibri.Media{{Type: "audio", PayloadTypes: []jingle.PayloadType{{ID: 111, Name: "opus"}}},
		{Type: "video", PayloadTypes: []jingle.PayloadType{{ID: 100, Name: "VP8"}}}})
	eps["vp8only"].ingress.Store(buildIngress(&m, nil, "vp8only", nil))
	giveVideo(c, eps["a"], 1)
	pkt := withPT(h264Packet(20, 1, 1, h264STAPKey...), 107)
	eps["a"].forward(pkt, eps["a"].ingress.Load().ssrcs[20], time.Now())
	if len(eps["vp8only"].sendQ) != 0 || len(eps["all"].sendQ) != 1 {
		t.Fatalf("queued: vp8only %d, all %d; want 0 and 1", len(eps["vp8only"].sendQ), len(eps["all"].sendQ))
	}
}

// readyConference is testConference with every endpoint's SRTP ready and,
// when queue > 0, send queues of that length.
func readyConference(queue int, ids ...string) (*conference, map[string]*endpoint) {
	c, eps := testConference(ids...)
	for _, e := range eps {
		e.srtpReady.Store(true)
		if queue > 0 {
			e.sendQ = make(chan *outPacket, queue)
		}
	}
	return c, eps
}
