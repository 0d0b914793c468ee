package load

import (
	"fmt"
	"strings"
)

// galenePublisherOffer renders the SDP offer of one Galène stream of the
// endpoint: Opus with the audio level (when audio), and one VP8 video with
// a declared SSRC for the leg's first layer. No RTX: Galène's group does not
// enable it by default, and nothing is lost on loopback.
func galenePublisherOffer(l localMedia, audio bool, layer int) string {
	var b strings.Builder
	mids := []string{"0"}
	if audio {
		mids = []string{"0", "1"}
	}
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE %s\r\na=msid-semantic: WMS %s\r\n",
		1000+l.idx, strings.Join(mids, " "), l.nick)
	if audio {
		writeSDPMedia(&b, l, "audio", "0", fmt.Sprint(janusPTOpus))
		fmt.Fprintf(&b, "a=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n", janusExtLevel, uriAudioLevel)
		fmt.Fprintf(&b, "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n", janusPTOpus, janusPTOpus)
		writeSSRC(&b, endpointSSRC(l.idx, ssrcAudio), l.nick, "a")
	}
	writeSDPMedia(&b, l, "video", mids[len(mids)-1], fmt.Sprint(janusPTVP8))
	fmt.Fprintf(&b, "a=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n", janusExtAbs, uriAbsSendTime)
	fmt.Fprintf(&b, "a=rtpmap:%d VP8/90000\r\n", janusPTVP8)
	for _, fb := range []string{"ccm fir", "nack", "nack pli"} {
		fmt.Fprintf(&b, "a=rtcp-fb:%d %s\r\n", janusPTVP8, fb)
	}
	writeSSRC(&b, endpointSSRC(l.idx, ssrcVideo+layer), l.nick, fmt.Sprintf("v%d", layer))
	return b.String()
}
