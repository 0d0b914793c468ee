package load

import (
	"strings"
	"testing"
	"time"

	"github.com/pion/sdp/v3"

	"meetd/xmpp/jingle"
)

func TestTagRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		tg   tag
		ok   bool
	}{
		{"video keyframe", tag{sender: 7, layer: 2, flags: flagKeyframe, frame: 99, index: 3, packets: 9, sent: 123456789}, true},
		{"audio", tag{sender: 1, layer: layerAudio, frame: 1, packets: 1, sent: 1}, true},
		{"index beyond packets", tag{index: 2, packets: 2}, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			buf := make([]byte, 40)
			tc.tg.put(buf)
			var got tag
			if ok := parseTag(buf, &got); ok != tc.ok {
				t.Fatalf("parseTag ok=%v, want %v", ok, tc.ok)
			}
			if tc.ok && got != tc.tg {
				t.Fatalf("got %+v, want %+v", got, tc.tg)
			}
		})
	}
	if parseTag(make([]byte, 40), &tag{}) {
		t.Error("zero bytes parsed as a tag")
	}
	if parseTag(make([]byte, 5), &tag{}) {
		t.Error("short payload parsed as a tag")
	}
}

func TestRTPHeaderRoundTrip(t *testing.T) {
	tests := []struct {
		name   string
		exts   []hdrExt
		twccID uint8
		wantTW bool
	}{
		{"no extensions", nil, 5, false},
		{"twcc only", []hdrExt{{id: 5, val: []byte{0x12, 0x34}}}, 5, true},
		{"level then twcc", []hdrExt{{id: 1, val: []byte{0x9e}}, {id: 5, val: []byte{0x12, 0x34}}}, 5, true},
		{"twcc not asked", []hdrExt{{id: 5, val: []byte{0x12, 0x34}}}, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := rtpHead{marker: true, pt: 100, seq: 65535, ts: 90000, ssrc: endpointSSRC(3, ssrcVideo)}
			b := writeRTPHeader(nil, h, tc.exts)
			b = append(b, 1, 2, 3)
			var v rtpView
			if !parseRTPHeader(b, tc.twccID, &v) {
				t.Fatal("not parsed")
			}
			if v.pt != 100 || v.seq != 65535 || v.ssrc != h.ssrc || v.hdrLen != len(b)-3 {
				t.Fatalf("view %+v", v)
			}
			if v.hasTW != tc.wantTW || (tc.wantTW && v.twcc != 0x1234) {
				t.Fatalf("twcc %v %x", v.hasTW, v.twcc)
			}
			if senderOf(v.ssrc) != 3 {
				t.Fatalf("sender of %x = %d", v.ssrc, senderOf(v.ssrc))
			}
		})
	}
}

func TestVP8Keyframe(t *testing.T) {
	l := &videoLayer{picID: 300, tl0: 4}
	tests := []struct {
		name  string
		start bool
		key   bool
		want  bool
	}{
		{"keyframe start", true, true, true},
		{"delta start", true, false, false},
		{"keyframe continuation", false, true, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := vp8Descriptor(nil, tc.start, l, 0, tc.key)
			p = vp8FrameHeader(p, tc.key, 1000)
			if got := isVP8Keyframe(p); got != tc.want {
				t.Fatalf("isVP8Keyframe = %v", got)
			}
		})
	}
}

func TestLatencyBuckets(t *testing.T) {
	prev := -1
	for _, d := range []time.Duration{0, 5 * time.Microsecond, 999 * time.Microsecond, time.Millisecond,
		10 * time.Millisecond, 50 * time.Millisecond, 199 * time.Millisecond, time.Second, time.Hour} {
		b := latBucket(d)
		if b < prev || b >= latBuckets {
			t.Fatalf("bucket of %v = %d after %d", d, b, prev)
		}
		if d < 200*time.Millisecond && bucketUpper(b) < d {
			t.Fatalf("upper bound of %v's bucket is %v", d, bucketUpper(b))
		}
		prev = b
	}
	var a, b Totals
	b.At = a.At.Add(time.Second)
	b.Latency[latBucket(300*time.Microsecond)] = 98
	b.Latency[latBucket(5*time.Millisecond)] = 2
	b.ExpectedPackets, b.ReceivedPackets = 100, 99
	w := Diff(&a, &b)
	if w.LatencyP50 != 310*time.Microsecond || w.LatencyP99 <= time.Millisecond || w.Lost != 1 {
		t.Fatalf("window %+v", w)
	}
}

func FuzzParsePacket(f *testing.F) {
	f.Add(writeRTPHeader(nil, rtpHead{pt: 100, seq: 1, ssrc: 5}, []hdrExt{{id: 5, val: []byte{0, 1}}}))
	f.Add([]byte{0x90, 0x64, 0, 1, 0, 0, 0, 0, 0, 0, 0, 5, 0xbe, 0xde, 0xff, 0xff})
	f.Add([]byte{0x90, 0xe0, 0x80, 0x01})
	f.Fuzz(func(t *testing.T, b []byte) {
		var v rtpView
		if parseRTPHeader(b, 5, &v) && (v.hdrLen > len(b) || v.hdrLen < rtpHeaderLen) {
			t.Fatalf("header length %d of %d bytes", v.hdrLen, len(b))
		}
		var tg tag
		_ = parseTag(b, &tg)
		_ = isVP8Keyframe(b)
		_, _ = findOneByte(b, 5)
	})
}

func TestJanusSDP(t *testing.T) {
	l := localMedia{nick: "abcd0001", idx: 2, ufrag: "uf", pwd: "pwdpwdpwdpwdpwdpwdpwdpwd", fp: "AA:BB", setup: "actpass",
		cands: []jingle.Candidate{{Foundation: "1", Priority: 100, IP: "10.77.0.2", Port: 4000}}}
	offer := publisherOffer(l, 3)
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(offer); err != nil {
		t.Fatalf("publisher offer does not parse: %v\n%s", err, offer)
	}
	if n := strings.Count(offer, "a=ssrc-group:FID"); n != 3 || !strings.Contains(offer, "a=ssrc-group:SIM") {
		t.Fatalf("simulcast groups: %d FID\n%s", n, offer)
	}
	// A Janus-like subscription offer with one audio and one video stream.
	janus := "v=0\r\no=- 1 1 IN IP4 10.77.0.1\r\ns=VideoRoom\r\nt=0 0\r\na=group:BUNDLE 0 1\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 10.77.0.1\r\na=mid:0\r\na=sendonly\r\na=ice-ufrag:jU\r\na=ice-pwd:jP\r\n" +
		"a=fingerprint:sha-256 11:22\r\na=setup:actpass\r\na=rtpmap:111 opus/48000/2\r\n" +
		"a=candidate:1 1 udp 2015363327 10.77.0.1 20001 typ host\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 100 101\r\nc=IN IP4 10.77.0.1\r\na=mid:1\r\na=sendonly\r\na=rtpmap:100 VP8/90000\r\n" +
		"a=rtpmap:101 rtx/90000\r\na=fmtp:101 apt=100\r\na=extmap:7 " + uriTWCC + "\r\n"
	o, jsd, err := sdpTransport(janus)
	if err != nil {
		t.Fatal(err)
	}
	if o.transport.Ufrag != "jU" || len(o.transport.Candidates) != 1 || o.transport.Candidates[0].Port != 20001 {
		t.Fatalf("transport %+v", o.transport)
	}
	ans := subscriberAnswer(jsd, l, o)
	if err := sd.UnmarshalString(ans); err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, ans)
	}
	if o.ptRTX != 101 || o.extTWCCV != 7 || strings.Count(ans, "a=recvonly") != 2 || !strings.Contains(ans, "a=setup:active") {
		t.Fatalf("answer/pts: rtx %d twcc %d\n%s", o.ptRTX, o.extTWCCV, ans)
	}
	if _, _, err := sdpTransport("v=0\r\n"); err == nil {
		t.Fatal("sdp without transport accepted")
	}
}
