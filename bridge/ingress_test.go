package bridge

import (
	"bytes"
	"testing"

	"github.com/pion/rtp"

	"meetd/colibri"
	"meetd/xmpp/dom"
)

func testTable(t *testing.T) *ingressTable {
	t.Helper()
	var ep colibri.Endpoint
	x := `<endpoint xmlns="jitsi:colibri2" id="e">` + mediaXML + sourcesXML("e", 11, 20) + `</endpoint>`
	if err := dom.Unmarshal(dom.MustParse(x), &ep); err != nil {
		t.Fatal(err)
	}
	var m mediaState
	m.add(ep.Media)
	return buildIngress(&m, ep.Sources, "ep", nil)
}

// rtpPacket marshals a packet with a mid (id 10) and TWCC (id 5) extension.
func rtpPacket(t *testing.T, ssrc uint32, pt uint8, profile uint16) []byte {
	t.Helper()
	h := rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: 7, SSRC: ssrc}
	if profile == 0x1000 {
		h.Extension, h.ExtensionProfile = true, 0x1000
	}
	must(t, h.SetExtension(10, []byte("mid0")))
	must(t, h.SetExtension(5, []byte{0x01, 0x02}))
	b, err := (&rtp.Packet{Header: h, Payload: []byte{1, 2, 3}}).Marshal()
	must(t, err)
	return b
}

func TestInspectRTP(t *testing.T) {
	tbl := testTable(t)
	cases := []struct {
		name    string
		pkt     []byte
		verdict rtpVerdict
		kind    mediaKind
	}{
		{"audio", rtpPacket(t, 11, 111, 0), verdictForward, kindAudio},
		{"video first simulcast layer", rtpPacket(t, 20, 100, 0), verdictForward, kindVideo},
		{"rtx of a simulcast encoding", rtpPacket(t, 22, 96, 0), verdictForward, kindVideo},
		{"second simulcast layer", rtpPacket(t, 21, 100, 0), verdictForward, kindVideo},
		{"two-byte extensions", rtpPacket(t, 11, 111, 0x1000), verdictForward, kindAudio},
		{"unknown ssrc", rtpPacket(t, 99, 111, 0), verdictUnknownSSRC, kindNone},
		{"audio ssrc with video pt", rtpPacket(t, 11, 100, 0), verdictBadPT, kindAudio},
		{"unsignalled pt", rtpPacket(t, 20, 101, 0), verdictBadPT, kindVideo},
		{"short", []byte{0x80, 0x60, 0}, verdictBadPacket, kindNone},
		{"version 1", append([]byte{0x40}, make([]byte, 11)...), verdictBadPacket, kindNone},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var h rtp.Header
			n := len(tc.pkt)
			v, route := inspectRTP(tc.pkt, tbl, &h)
			if k := route.kind; v != tc.verdict || k != tc.kind {
				t.Fatalf("verdict %d kind %d, want %d %d", v, k, tc.verdict, tc.kind)
			}
			if len(tc.pkt) != n {
				t.Fatal("length changed")
			}
			if v > verdictKeep {
				return
			}
			var after rtp.Header
			if _, err := after.Unmarshal(tc.pkt); err != nil {
				t.Fatal(err)
			}
			if after.GetExtension(10) != nil {
				t.Fatal("mid extension survived")
			}
			if seq, ok := twccSeq(&after, 5); !ok || seq != 0x0102 {
				t.Fatalf("twcc extension damaged: %d %v", seq, ok)
			}
		})
	}
}

func TestNeutraliseExtensionMalformed(t *testing.T) {
	good := rtpPacket(t, 11, 111, 0)
	cases := map[string][]byte{
		"extension length beyond packet": func() []byte { b := bytes.Clone(good); b[15] = 0xff; return b }(),
		"truncated header":               good[:13],
		"no extension bit":               func() []byte { b := bytes.Clone(good); b[0] &^= 0x10; return b }(),
		"element beyond block":           {0x90, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xBE, 0xDE, 0, 1, 0xAF, 0, 0, 0},
	}
	for name, b := range cases {
		t.Run(name, func(t *testing.T) {
			orig := bytes.Clone(b)
			if neutraliseExtension(b, 10) {
				t.Fatal("reported a mid extension in a malformed packet")
			}
			if !bytes.Equal(orig, b) {
				t.Fatal("malformed packet modified")
			}
		})
	}
}

func TestClassify(t *testing.T) {
	rtcpPkt := []byte{0x80, 200, 0, 6, 0, 0, 0, 1, 0, 0, 0, 0}
	cases := []struct {
		name string
		b    []byte
		want packetClass
	}{
		{"empty", nil, classGarbage},
		{"stun", []byte{0, 1, 0, 0}, classSTUN},
		{"dtls", []byte{22, 0xfe, 0xfd}, classDTLS},
		{"rtp", rtpPacket(t, 1, 111, 0), classRTP},
		{"rtcp sr", rtcpPkt, classRTCP},
		{"short rtp", []byte{0x80, 0x60}, classGarbage},
		{"zrtp/turn range", []byte{70, 1, 2}, classGarbage},
		{"high", []byte{0xff, 1}, classGarbage},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if got := classify(tc.b); got != tc.want {
				t.Fatalf("class %d, want %d", got, tc.want)
			}
		})
	}
}

func TestWSPath(t *testing.T) {
	cases := []struct {
		path string
		ok   bool
	}{
		{"/colibri-ws/jvb1/m/e", true},
		{"/jvb1/m/e", true},
		{"/colibri-ws/jvb1/m", false},
		{"/colibri-ws/jvb1/m/e/x", false},
		{"/colibri-ws/jvb1//e", false},
	}
	for _, tc := range cases {
		t.Run(tc.path, func(t *testing.T) {
			if got := wsPath(tc.path); (got != nil) != tc.ok {
				t.Fatalf("wsPath(%q) = %v", tc.path, got)
			}
		})
	}
}

// FuzzIngress feeds arbitrary plaintext to the RTP and RTCP ingress parsers:
// they must never panic nor change a packet's length.
func FuzzIngress(f *testing.F) {
	f.Add([]byte{0x90, 0x6f, 0, 1, 0, 0, 0, 1, 0, 0, 0, 11, 0xBE, 0xDE, 0, 1, 0xA1, 'x', 0, 0})
	f.Add([]byte{0x81, 201, 0, 7, 0, 0, 0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0})
	tbl := &ingressTable{ssrcs: map[uint32]ssrcRoute{11: {kind: kindAudio, forward: true}}, strip: [maxStripped]uint8{10, 4}, twccExt: 5}
	tbl.pts[111] = kindAudio
	f.Fuzz(func(t *testing.T, b []byte) {
		n := len(b)
		var h rtp.Header
		switch classify(b) {
		case classRTP:
			if v, _ := inspectRTP(b, tbl, &h); v <= verdictKeep {
				_, _ = twccSeq(&h, tbl.twccExt)
			}
		case classRTCP:
			_ = validRTCP(b)
		}
		neutraliseExtension(b, uint8(n%16))
		if len(b) != n {
			t.Fatal("length changed")
		}
	})
}
