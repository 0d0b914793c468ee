package load

import (
	"fmt"
	"strings"
)

// Header extension URIs and ids of rid-based simulcast, which is the only
// simulcast Galène (pion) understands: each packet names its stream by the
// MID and RID extensions (RFC 8843, RFC 8852).
const (
	uriMID        = "urn:ietf:params:rtp-hdrext:sdes:mid"
	uriRID        = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	galeneExtMID  = 4
	galeneExtRID  = 10
	galeneVideoID = "1" // the video m-line's mid
)

// galeneRID names the simulcast stream of a layer; Galène uses the first
// (highest) and last (lowest) stream of the offer's simulcast list.
func galeneRID(layer int) string {
	if layer == 0 {
		return "l"
	}
	return "h"
}

// galenePublisherOffer renders the SDP offer of a publishing stream: Opus
// with the audio level, VP8 with rid-based simulcast (high, then low) when
// layers > 1, else one declared SSRC. No RTX: Galène would need the
// repaired-rid extension for it, and nothing is lost on loopback.
func galenePublisherOffer(l localMedia, layers int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "v=0\r\no=- %d 2 IN IP4 127.0.0.1\r\ns=-\r\nt=0 0\r\na=group:BUNDLE 0 1\r\na=msid-semantic: WMS %s\r\n", 1000+l.idx, l.nick)
	writeSDPMedia(&b, l, "audio", "0", fmt.Sprint(janusPTOpus))
	fmt.Fprintf(&b, "a=extmap:%d %s\r\na=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n", janusExtLevel, uriAudioLevel, galeneExtMID, uriMID)
	fmt.Fprintf(&b, "a=rtpmap:%d opus/48000/2\r\na=fmtp:%d minptime=10;useinbandfec=1\r\n", janusPTOpus, janusPTOpus)
	writeSSRC(&b, endpointSSRC(l.idx, ssrcAudio), l.nick, "a")
	writeSDPMedia(&b, l, "video", galeneVideoID, fmt.Sprint(janusPTVP8))
	fmt.Fprintf(&b, "a=extmap:%d %s\r\na=extmap:%d %s\r\na=extmap:%d %s\r\na=sendonly\r\na=rtcp-mux\r\n",
		janusExtAbs, uriAbsSendTime, galeneExtMID, uriMID, galeneExtRID, uriRID)
	fmt.Fprintf(&b, "a=msid:%s %s-v\r\na=rtpmap:%d VP8/90000\r\n", l.nick, l.nick, janusPTVP8)
	for _, fb := range []string{"ccm fir", "nack", "nack pli"} {
		fmt.Fprintf(&b, "a=rtcp-fb:%d %s\r\n", janusPTVP8, fb)
	}
	if layers <= 1 {
		writeSSRC(&b, endpointSSRC(l.idx, ssrcVideo), l.nick, "v")
		return b.String()
	}
	var rids []string
	for i := layers - 1; i >= 0; i-- {
		rids = append(rids, galeneRID(i))
		fmt.Fprintf(&b, "a=rid:%s send\r\n", galeneRID(i))
	}
	fmt.Fprintf(&b, "a=simulcast:send %s\r\n", strings.Join(rids, ";"))
	return b.String()
}
