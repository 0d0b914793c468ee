package load

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/pion/ice/v4"
	"github.com/pion/sdp/v3"

	"meetd/xmpp/jingle"
)

// Payload types and extension ids the tool offers to Janus (the same as
// meetd's focus offers, so both systems get identical packets).
const (
	janusPTOpus   = 111
	janusPTVP8    = 100
	janusPTRTX    = 96
	janusExtLevel = 1
	janusExtAbs   = 3
	janusExtTWCC  = 5
)

// publisherOffer renders the SDP offer of a publishing leg: Opus with the
// audio level, VP8 with simulcast SSRC groups and RTX.
func publisherOffer(l localMedia, layers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS %s\r\n", 1000+l.idx, l.nick)
	writeSDPMedia(&b, l, "audio", "0", fmt.Sprint(janusPTOpus))
	fmt.Fprintf(&b, "a=extmap:%d %s\r\na=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n", janusExtLevel, uriAudioLevel, janusExtTWCC, uriTWCC)
	fmt.Fprintf(&b, "a=rtpmap:%d opus/48000/2\r\na=rtcp-fb:%d transport-cc\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n", janusPTOpus, janusPTOpus, janusPTOpus)
	writeSSRC(&b, endpointSSRC(l.idx, ssrcAudio), l.nick, "a")
	writeSDPMedia(&b, l, "video", "1", fmt.Sprintf("%d %d", janusPTVP8, janusPTRTX))
	fmt.Fprintf(&b, "a=extmap:%d %s\r\na=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n", janusExtAbs, uriAbsSendTime, janusExtTWCC, uriTWCC)
	fmt.Fprintf(&b, "a=rtpmap:%d VP8/90000\r\n", janusPTVP8)
	for _, fb := range []string{"ccm fir", "nack", "nack pli", "transport-cc"} {
		fmt.Fprintf(&b, "a=rtcp-fb:%d %s\r\n", janusPTVP8, fb)
	}
	fmt.Fprintf(&b, "a=rtpmap:%d rtx/90000\r\na=fmtp:%d apt=%d\r\n", janusPTRTX, janusPTRTX, janusPTVP8)
	var sim []string
	for i := range layers {
		sim = append(sim, fmt.Sprint(endpointSSRC(l.idx, ssrcVideo+i)))
	}
	if layers > 1 {
		fmt.Fprintf(&b, "a=ssrc-group:SIM %s\r\n", strings.Join(sim, " "))
	}
	for i := range layers {
		fmt.Fprintf(&b, "a=ssrc-group:FID %d %d\r\n", endpointSSRC(l.idx, ssrcVideo+i), endpointSSRC(l.idx, ssrcRTX+i))
	}
	for i := range layers {
		writeSSRC(&b, endpointSSRC(l.idx, ssrcVideo+i), l.nick, "v")
		writeSSRC(&b, endpointSSRC(l.idx, ssrcRTX+i), l.nick, "v")
	}
	return b.String()
}

func writeSDPMedia(b *strings.Builder, l localMedia, kind, mid, pts string) {
	fmt.Fprintf(b, "m=%s 9 UDP/TLS/RTP/SAVPF %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\n", kind, pts, mid)
	fmt.Fprintf(b, "a=ice-ufrag:%s\r\na=ice-pwd:%s\r\na=fingerprint:sha-256 %s\r\na=setup:%s\r\n", l.ufrag, l.pwd, l.fp, l.setup)
	for _, c := range l.cands {
		fmt.Fprintf(b, "a=candidate:%s 1 udp %d %s %d typ host\r\n", c.Foundation, c.Priority, c.IP, c.Port)
	}
	b.WriteString("a=end-of-candidates\r\n")
}

func writeSSRC(b *strings.Builder, ssrc uint32, nick, track string) {
	fmt.Fprintf(b, "a=ssrc:%d cname:%s\r\na=ssrc:%d msid:%s %s-%s\r\n", ssrc, nick, ssrc, nick, nick, track)
}

// sdpTransport reads the ICE credentials, fingerprint and candidates of a
// Janus description into an offerInfo (as from a session-initiate).
func sdpTransport(raw string) (*offerInfo, *sdp.SessionDescription, error) {
	var sd sdp.SessionDescription
	if err := sd.UnmarshalString(raw); err != nil {
		return nil, nil, fmt.Errorf("%w: sdp: %w", ErrProtocol, err)
	}
	tr := &jingle.ICEUDP{}
	scan := func(attrs []sdp.Attribute) {
		for _, a := range attrs {
			switch a.Key {
			case "ice-ufrag":
				tr.Ufrag = a.Value
			case "ice-pwd":
				tr.Pwd = a.Value
			case "fingerprint":
				if h, v, ok := strings.Cut(a.Value, " "); ok && len(tr.Fingerprints) == 0 {
					tr.Fingerprints = append(tr.Fingerprints, jingle.Fingerprint{Hash: h, Value: v})
				}
			case "candidate":
				if c, ok := sdpCandidate(a.Value); ok {
					tr.Candidates = append(tr.Candidates, c)
				}
			}
		}
	}
	scan(sd.Attributes)
	for _, m := range sd.MediaDescriptions {
		scan(m.Attributes)
	}
	if tr.Ufrag == "" || len(tr.Fingerprints) == 0 {
		return nil, nil, ErrNoTransport
	}
	o := &offerInfo{transport: tr, ptOpus: janusPTOpus, ptVP8: janusPTVP8, ptRTX: janusPTRTX,
		extLevel: janusExtLevel, extTWCCA: janusExtTWCC, extTWCCV: janusExtTWCC, extAbsTime: janusExtAbs}
	return o, &sd, nil
}

func sdpCandidate(v string) (jingle.Candidate, bool) {
	c, err := ice.UnmarshalCandidate(v)
	if err != nil || c.NetworkType() != ice.NetworkTypeUDP4 {
		return jingle.Candidate{}, false
	}
	return jingle.Candidate{Component: 1, Foundation: c.Foundation(), IP: c.Address(), Port: c.Port(),
		Priority: c.Priority(), Protocol: "udp", Type: c.Type().String()}, true
}

// subscriberAnswer answers Janus's subscription offer: every m-line
// receive-only with the first payload types offered, and reads the
// receive payload types and TWCC extension into o.
func subscriberAnswer(sd *sdp.SessionDescription, l localMedia, o *offerInfo) string {
	var b strings.Builder
	var mids []string
	for _, m := range sd.MediaDescriptions {
		if mid, ok := m.Attribute("mid"); ok {
			mids = append(mids, mid)
		}
	}
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE %s\r\n", 5000+l.idx, strings.Join(mids, " "))
	for _, m := range sd.MediaDescriptions {
		mid, _ := m.Attribute("mid")
		kind := m.MediaName.Media
		if kind == "application" || len(m.MediaName.Formats) == 0 {
			fmt.Fprintf(&b, "m=%s 0 %s %s\r\nc=IN IP4 0.0.0.0\r\na=mid:%s\r\na=inactive\r\n", kind,
				strings.Join(m.MediaName.Protos, "/"), strings.Join(m.MediaName.Formats, " "), mid)
			continue
		}
		l.setup = "active"
		writeSDPMedia(&b, l, kind, mid, strings.Join(m.MediaName.Formats, " "))
		dir := "recvonly"
		if _, off := m.Attribute("inactive"); off {
			dir = "inactive" // a track the offerer stopped (Galène's re-offers)
		}
		b.WriteString("a=" + dir + "\r\na=rtcp-mux\r\n")
		for _, a := range m.Attributes {
			switch a.Key {
			case "rtpmap", "fmtp", "rtcp-fb", "extmap":
				fmt.Fprintf(&b, "a=%s:%s\r\n", a.Key, a.Value)
			}
		}
		scanJanusMedia(m, o)
	}
	return b.String()
}

// scanJanusMedia reads payload types and extension ids of one m-line.
func scanJanusMedia(m *sdp.MediaDescription, o *offerInfo) {
	for _, a := range m.Attributes {
		switch a.Key {
		case "rtpmap":
			pt, codec, _ := strings.Cut(a.Value, " ")
			n, err := strconv.Atoi(pt)
			if err != nil || n < 0 || n > 127 {
				continue
			}
			switch strings.ToLower(strings.SplitN(codec, "/", 2)[0]) {
			case "opus":
				o.ptOpus = uint8(n)
			case "vp8":
				o.ptVP8 = uint8(n)
			case "rtx":
				o.ptRTX = uint8(n)
			}
		case "extmap":
			id, uri, _ := strings.Cut(a.Value, " ")
			n, err := strconv.Atoi(strings.SplitN(id, "/", 2)[0])
			if err == nil && uri == uriTWCC && m.MediaName.Media == "video" && n > 0 && n < 15 {
				o.extTWCCV = uint8(n)
			}
		}
	}
}
