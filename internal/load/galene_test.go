package load

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/pion/sdp/v3"

	"meetd/xmpp/jingle"
)

func newTestGaleneSession() *galeneSession {
	return &galeneSession{legs: map[string]*galeneLeg{}, newLegs: make(chan *galeneLeg, 8),
		joined: make(chan error, 1), done: make(chan struct{})}
}

func TestGaleneSDP(t *testing.T) {
	l := localMedia{nick: "abcd0001", idx: 2, ufrag: "uf", pwd: "pwdpwdpwdpwdpwdpwdpwdpwd", fp: "AA:BB", setup: "actpass",
		cands: []jingle.Candidate{{Foundation: "1", Priority: 100, IP: "10.77.0.2", Port: 4000}}}
	for _, tc := range []struct {
		name          string
		audio         bool
		layer         int
		audioM, video int
	}{
		{"camera stream", true, 0, 1, 1},
		{"unrequested high stream", false, 1, 0, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			offer := galenePublisherOffer(l, tc.audio, tc.layer)
			var sd sdp.SessionDescription
			if err := sd.UnmarshalString(offer); err != nil {
				t.Fatalf("offer does not parse: %v\n%s", err, offer)
			}
			kinds := map[string]int{}
			for _, m := range sd.MediaDescriptions {
				kinds[m.MediaName.Media]++
			}
			if kinds["audio"] != tc.audioM || kinds["video"] != tc.video {
				t.Fatalf("m-lines %v\n%s", kinds, offer)
			}
			want := "a=ssrc:" + itoa(endpointSSRC(l.idx, ssrcVideo+tc.layer)) + " "
			if !strings.Contains(offer, want) || strings.Contains(offer, "a=rid:") {
				t.Fatalf("video ssrc of layer %d missing, or rids present\n%s", tc.layer, offer)
			}
		})
	}
	// A Galène re-offer: the first video track was stopped, a new one added.
	reoffer := "v=0\r\no=- 1 2 IN IP4 0.0.0.0\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1 2\r\n" +
		"m=audio 9 UDP/TLS/RTP/SAVPF 111\r\nc=IN IP4 0.0.0.0\r\na=mid:0\r\na=ice-ufrag:gU\r\na=ice-pwd:gP\r\n" +
		"a=fingerprint:sha-256 11:22\r\na=setup:actpass\r\na=sendonly\r\na=rtpmap:111 opus/48000/2\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:1\r\na=inactive\r\na=rtpmap:96 VP8/90000\r\n" +
		"m=video 9 UDP/TLS/RTP/SAVPF 96\r\nc=IN IP4 0.0.0.0\r\na=mid:2\r\na=sendonly\r\na=rtpmap:96 VP8/90000\r\n"
	o, sd, err := sdpTransport(reoffer)
	if err != nil {
		t.Fatal(err)
	}
	o.ptRTX = 0
	l.setup = ""
	ans := subscriberAnswer(sd, l, o)
	var asd sdp.SessionDescription
	if err := asd.UnmarshalString(ans); err != nil {
		t.Fatalf("answer does not parse: %v\n%s", err, ans)
	}
	if strings.Count(ans, "a=recvonly") != 2 || strings.Count(ans, "a=inactive") != 1 || o.ptVP8 != 96 || o.ptRTX != 0 {
		t.Fatalf("answer directions or payload types (vp8 %d rtx %d)\n%s", o.ptVP8, o.ptRTX, ans)
	}
}

func itoa(v uint32) string {
	b, _ := json.Marshal(v)
	return string(b)
}

func TestGaleneDispatch(t *testing.T) {
	s := newTestGaleneSession()
	cand := &galeneCand{Candidate: "candidate:1 1 udp 2130706431 10.77.0.1 17000 typ host"}
	for _, m := range []galeneMsg{
		{Type: "ice", ID: "d1", Candidate: cand}, // before the offer: kept for the leg
		{Type: "offer", ID: "d1", Source: "c0", SDP: "v=0"},
		{Type: "offer", ID: "d1", Source: "c0", SDP: "v=0 re-offer"}, // same leg
		{Type: "answer", ID: "up", SDP: "answer"},
		{Type: "ice", ID: "d1", Candidate: &galeneCand{Candidate: "candidate:garbage"}},
		{Type: "ice", ID: "d1"},
		{Type: "joined", Kind: "change"},
		{Type: "joined", Kind: "fail", Error: "not-authorised"},
	} {
		s.dispatch(m)
	}
	if len(s.newLegs) != 1 {
		t.Fatalf("%d new legs, want 1", len(s.newLegs))
	}
	g := <-s.newLegs
	if g.id != "d1" || len(g.offers) != 2 || len(g.pending) != 1 {
		t.Fatalf("leg %s: %d offers, %d pending candidates", g.id, len(g.offers), len(g.pending))
	}
	if a := <-s.leg("up").sdp; a != "answer" {
		t.Fatalf("answer %q", a)
	}
	select {
	case err := <-s.joined:
		if err == nil {
			t.Fatal("failed join reported as success")
		}
	default:
		t.Fatal("failed join not reported")
	}
}

func FuzzGaleneMessage(f *testing.F) {
	f.Add([]byte(`{"type":"ice","id":"x","candidate":{"candidate":"candidate:1 1 udp 1 10.77.0.1 9 typ host"}}`))
	f.Add([]byte(`{"type":"offer","id":"x","sdp":"v=0"}`))
	f.Add([]byte(`{"type":"joined","kind":"fail","error":"x"}`))
	f.Add([]byte(`{"type":"answer","id":"","sdp":""}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		var m galeneMsg
		if json.Unmarshal(b, &m) != nil || m.Type == "ping" { // ping writes to the WebSocket
			return
		}
		newTestGaleneSession().dispatch(m)
	})
}
