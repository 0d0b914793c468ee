package bridge

import (
	"fmt"
	"net"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/interceptor"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/sdp/v3"
	"github.com/pion/webrtc/v4"

	"meetd/colibri"
)

// testClient is a pion PeerConnection playing a Jitsi client: it answers an
// offer built from the bridge's colibri2 transport, like a browser answers
// the focus's session-initiate.
type testClient struct {
	t            *testing.T
	id           string
	audioSSRC    uint32
	videoSSRC    uint32
	pc           *webrtc.PeerConnection
	audio, video *webrtc.TrackLocalStaticRTP
	dc           *webrtc.DataChannel
	connected    chan struct{}
	dcMsgs       chan string

	rtpFrom     sync.Map // ssrc -> *atomic.Int64 (packets received)
	midSeen     atomic.Int64
	srFrom      sync.Map // ssrc -> struct{}
	pliReceived atomic.Int64
	twccFB      atomic.Int64
	// level is the audio level send puts into the ssrc-audio-level
	// extension (id 1) plus one; 0: no extension.
	level atomic.Int32
	// audioFrom counts what arrived per audio SSRC (silence_test.go).
	audioFrom sync.Map // ssrc -> *audioSeen
}

// audioSeen is what a client saw of one remote audio stream.
type audioSeen struct {
	gaps   atomic.Int64 // packets whose seq did not follow the previous one's
	silent atomic.Int64 // packets with audio level 127
}

func newTestClient(t *testing.T, id string, audioSSRC, videoSSRC uint32) *testClient {
	t.Helper()
	c := &testClient{t: t, id: id, audioSSRC: audioSSRC, videoSSRC: videoSSRC,
		connected: make(chan struct{}), dcMsgs: make(chan string, 16)}
	pc, err := newLoopbackAPI(t).NewPeerConnection(webrtc.Configuration{})
	if err != nil {
		t.Fatal(err)
	}
	c.pc = pc
	var once sync.Once
	pc.OnConnectionStateChange(func(s webrtc.PeerConnectionState) {
		if s == webrtc.PeerConnectionStateConnected {
			once.Do(func() { close(c.connected) })
		}
	})
	pc.OnTrack(c.onTrack)
	c.audio = c.addTrack(webrtc.MimeTypeOpus, audioSSRC)
	c.video = c.addTrack(webrtc.MimeTypeVP8, videoSSRC)
	proto := "http://jitsi.org/protocols/colibri"
	c.dc, err = pc.CreateDataChannel("JVB data channel", &webrtc.DataChannelInit{Protocol: &proto})
	if err != nil {
		t.Fatal(err)
	}
	c.dc.OnMessage(func(m webrtc.DataChannelMessage) {
		select {
		case c.dcMsgs <- string(m.Data):
		default:
		}
	})
	return c
}

// newLoopbackAPI builds a pion API restricted to the loopback interface,
// with the codecs and extensions the focus offers.
func newLoopbackAPI(t *testing.T) *webrtc.API {
	t.Helper()
	m := &webrtc.MediaEngine{}
	fb := []webrtc.RTCPFeedback{{Type: "nack"}, {Type: "nack", Parameter: "pli"}, {Type: "transport-cc"}}
	must(t, m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeOpus, ClockRate: 48000, Channels: 2, RTCPFeedback: fb[2:]}, PayloadType: 111},
		webrtc.RTPCodecTypeAudio))
	must(t, m.RegisterCodec(webrtc.RTPCodecParameters{RTPCodecCapability: webrtc.RTPCodecCapability{
		MimeType: webrtc.MimeTypeVP8, ClockRate: 90000, RTCPFeedback: fb}, PayloadType: 100},
		webrtc.RTPCodecTypeVideo))
	ir := &interceptor.Registry{}
	must(t, webrtc.RegisterDefaultInterceptors(m, ir))
	must(t, webrtc.ConfigureTWCCHeaderExtensionSender(m, ir))
	se := webrtc.SettingEngine{}
	se.SetNetworkTypes([]webrtc.NetworkType{webrtc.NetworkTypeUDP4})
	se.SetInterfaceFilter(func(name string) bool { return name == "lo" })
	se.SetIPFilter(func(ip net.IP) bool { return ip.IsLoopback() })
	se.SetIncludeLoopbackCandidate(true)
	se.SetICEMulticastDNSMode(ice.MulticastDNSModeDisabled)
	return webrtc.NewAPI(webrtc.WithMediaEngine(m), webrtc.WithInterceptorRegistry(ir), webrtc.WithSettingEngine(se))
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func (c *testClient) addTrack(mime string, ssrc uint32) *webrtc.TrackLocalStaticRTP {
	tr, err := webrtc.NewTrackLocalStaticRTP(webrtc.RTPCodecCapability{MimeType: mime}, c.id+"-"+mime, c.id)
	must(c.t, err)
	tx, err := c.pc.AddTransceiverFromTrack(tr, webrtc.RTPTransceiverInit{
		Direction:     webrtc.RTPTransceiverDirectionSendrecv,
		SendEncodings: []webrtc.RTPEncodingParameters{{RTPCodingParameters: webrtc.RTPCodingParameters{SSRC: webrtc.SSRC(ssrc)}}},
	})
	must(c.t, err)
	go c.readSenderRTCP(tx.Sender())
	return tr
}

func (c *testClient) readSenderRTCP(s *webrtc.RTPSender) {
	for {
		pkts, _, err := s.ReadRTCP()
		if err != nil {
			return
		}
		for _, p := range pkts {
			switch p.(type) {
			case *rtcp.PictureLossIndication:
				c.pliReceived.Add(1)
			case *rtcp.TransportLayerCC:
				c.twccFB.Add(1)
			}
		}
	}
}

func (c *testClient) onTrack(tr *webrtc.TrackRemote, rcv *webrtc.RTPReceiver) {
	go func() {
		for {
			pkts, _, err := rcv.ReadRTCP()
			if err != nil {
				return
			}
			for _, p := range pkts {
				if sr, ok := p.(*rtcp.SenderReport); ok {
					c.srFrom.Store(sr.SSRC, struct{}{})
				}
			}
		}
	}()
	last := -1
	for {
		p, _, err := tr.ReadRTP()
		if err != nil {
			return
		}
		if p.Header.GetExtension(10) != nil {
			c.midSeen.Add(1)
		}
		if tr.Kind() == webrtc.RTPCodecTypeAudio {
			c.sawAudio(p, last)
			last = int(p.SequenceNumber)
		}
		n, _ := c.rtpFrom.LoadOrStore(p.SSRC, &atomic.Int64{})
		n.(*atomic.Int64).Add(1)
	}
}

// sawAudio notes a remote audio packet; last is the previous one's seq.
func (c *testClient) sawAudio(p *rtp.Packet, last int) {
	v, _ := c.audioFrom.LoadOrStore(p.SSRC, &audioSeen{})
	s := v.(*audioSeen)
	if last >= 0 && p.SequenceNumber != uint16(last+1) {
		s.gaps.Add(1)
	}
	if l := p.Header.GetExtension(1); len(l) == 1 && l[0]&0x7F == 127 {
		s.silent.Add(1)
	}
}

// seen returns what arrived of an audio SSRC.
func (c *testClient) seen(ssrc uint32) *audioSeen {
	v, _ := c.audioFrom.LoadOrStore(ssrc, &audioSeen{})
	return v.(*audioSeen)
}

// received returns how many packets arrived on an SSRC.
func (c *testClient) received(ssrc uint32) int64 {
	n, ok := c.rtpFrom.Load(ssrc)
	if !ok {
		return 0
	}
	return n.(*atomic.Int64).Load()
}

// remoteSource is another endpoint's media as signalled to this client.
type remoteSource struct {
	owner        string
	audio, video uint32
}

// answer applies the bridge's offer and returns ufrag, pwd and fingerprint.
func (c *testClient) answer(tr *colibri.Transport, remotes []remoteSource) (ufrag, pwd, fp string) {
	offer := buildOffer(tr, remotes)
	must(c.t, c.pc.SetRemoteDescription(webrtc.SessionDescription{Type: webrtc.SDPTypeOffer, SDP: offer}))
	ans, err := c.pc.CreateAnswer(nil)
	must(c.t, err)
	gathered := webrtc.GatheringCompletePromise(c.pc)
	must(c.t, c.pc.SetLocalDescription(ans))
	<-gathered
	return parseAnswer(c.t, c.pc.LocalDescription().SDP)
}

// send writes one audio and one VP8 packet with a sender mid extension.
func (c *testClient) send(seq uint16) {
	ext := func(h *rtp.Header) { _ = h.SetExtension(10, []byte(c.id)) }
	ha := rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 960}
	ext(&ha)
	if l := c.level.Load(); l > 0 {
		_ = ha.SetExtension(1, []byte{byte(l - 1)})
	}
	_ = c.audio.WriteRTP(&rtp.Packet{Header: ha, Payload: []byte{0xf8, 0xff, 0xfe}})
	hv := rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: uint32(seq) * 3000, Marker: true}
	ext(&hv)
	_ = c.video.WriteRTP(&rtp.Packet{Header: hv, Payload: vp8Frame(seq)})
}

// vp8Frame is a one-packet VP8 frame with a picture id (keyframe every 30).
func vp8Frame(n uint16) []byte {
	p := []byte{0x90, 0x80, 0x80 | byte(n>>8&0x7f), byte(n), 0x01, 0, 0}
	if n%30 == 0 {
		p[4] = 0x00
	}
	return append(p, make([]byte, 100)...)
}

func (c *testClient) close() { _ = c.pc.Close() }

func (c *testClient) waitConnected() {
	c.t.Helper()
	select {
	case <-c.connected:
	case <-time.After(waitTimeout):
		c.t.Fatalf("%s: peer connection did not connect", c.id)
	}
}

// waitMessage waits for a data-channel message containing substr.
func (c *testClient) waitMessage(substr string) string {
	c.t.Helper()
	deadline := time.After(waitTimeout)
	for {
		select {
		case m := <-c.dcMsgs:
			if strings.Contains(m, substr) {
				return m
			}
		case <-deadline:
			c.t.Fatalf("%s: no data-channel message with %q", c.id, substr)
		}
	}
}

// buildOffer renders the SDP a client would derive from the focus's
// session-initiate: the bridge transport in every m-line, one m-line per
// remote source (bundled), plus the data channel.
func buildOffer(tr *colibri.Transport, remotes []remoteSource) string {
	var b strings.Builder
	mids := []string{}
	var media strings.Builder
	for _, kind := range []string{"audio", "video"} {
		n := max(len(remotes), 1)
		for j := 0; j < n; j++ {
			mid := fmt.Sprint(len(mids))
			mids = append(mids, mid)
			writeMediaSection(&media, tr, kind, mid, j, remotes)
		}
	}
	mid := fmt.Sprint(len(mids))
	mids = append(mids, mid)
	fmt.Fprintf(&media, "m=application 9 UDP/DTLS/SCTP webrtc-datachannel\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n", mid)
	writeTransport(&media, tr)
	media.WriteString("a=sctp-port:5000\r\n")
	fmt.Fprintf(&b, "v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE %s\r\n", strings.Join(mids, " "))
	b.WriteString("a=msid-semantic: WMS *\r\n")
	return b.String() + media.String()
}

func writeMediaSection(b *strings.Builder, tr *colibri.Transport, kind, mid string, j int, remotes []remoteSource) {
	pt, rtpmap := "111", "a=rtpmap:111 opus/48000/2\r\na=rtcp-fb:111 transport-cc\r\n"
	if kind == "video" {
		pt, rtpmap = "100", "a=rtpmap:100 VP8/90000\r\na=rtcp-fb:100 nack\r\na=rtcp-fb:100 nack pli\r\na=rtcp-fb:100 transport-cc\r\n"
	}
	fmt.Fprintf(b, "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n", kind, pt, mid)
	writeTransport(b, tr)
	b.WriteString("a=rtcp-mux\r\n" + rtpmap)
	fmt.Fprintf(b, "a=extmap:5 %s\r\n", uriTWCC)
	switch {
	case j < len(remotes) && j == 0:
		b.WriteString("a=sendrecv\r\n")
	case j < len(remotes):
		b.WriteString("a=sendonly\r\n")
	default:
		b.WriteString("a=recvonly\r\n")
	}
	if j < len(remotes) {
		r := remotes[j]
		ssrc := r.audio
		if kind == "video" {
			ssrc = r.video
		}
		fmt.Fprintf(b, "a=msid:%s %s-%s\r\na=ssrc:%d cname:%s\r\na=ssrc:%d msid:%s %s-%s\r\n",
			r.owner, r.owner, kind, ssrc, r.owner, ssrc, r.owner, r.owner, kind)
	}
}

func writeTransport(b *strings.Builder, tr *colibri.Transport) {
	ice := tr.ICE
	fmt.Fprintf(b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\n", ice.Ufrag, ice.Pwd)
	fmt.Fprintf(b, "a=fingerprint:%s %s\r\na=setup:%s\r\n", ice.Fingerprints[0].Hash, ice.Fingerprints[0].Value,
		ice.Fingerprints[0].Setup)
	for _, c := range ice.Candidates {
		fmt.Fprintf(b, "a=candidate:%s %d %s %d %s %d typ %s\r\n", c.Foundation, c.Component, c.Protocol,
			c.Priority, c.IP, c.Port, c.Type)
	}
}

// answerCandidates renders the client's gathered candidates as Jingle XML,
// as the focus forwards a transport-info.
func answerCandidates(t *testing.T, s string) string {
	t.Helper()
	var sd sdp.SessionDescription
	must(t, sd.UnmarshalString(s))
	var b strings.Builder
	for _, m := range sd.MediaDescriptions {
		for _, a := range m.Attributes {
			if a.Key != "candidate" {
				continue
			}
			c, err := ice.UnmarshalCandidate(a.Value)
			must(t, err)
			fmt.Fprintf(&b, `<candidate component="%d" foundation="%s" generation="0" id="c%d" ip="%s" network="0" port="%d" priority="%d" protocol="udp" type="%s"/>`,
				c.Component(), c.Foundation(), b.Len(), c.Address(), c.Port(), c.Priority(), c.Type())
		}
	}
	return b.String()
}

// parseAnswer reads ufrag, pwd and the sha-256 fingerprint (session or media level).
func parseAnswer(t *testing.T, s string) (ufrag, pwd, fp string) {
	t.Helper()
	var sd sdp.SessionDescription
	must(t, sd.UnmarshalString(s))
	scan := func(attrs []sdp.Attribute) {
		for _, a := range attrs {
			switch a.Key {
			case "ice-ufrag":
				ufrag = a.Value
			case "ice-pwd":
				pwd = a.Value
			case "fingerprint":
				if v, ok := strings.CutPrefix(a.Value, "sha-256 "); ok {
					fp = v
				}
			}
		}
	}
	scan(sd.Attributes)
	for _, m := range sd.MediaDescriptions {
		scan(m.Attributes)
	}
	return ufrag, pwd, fp
}
