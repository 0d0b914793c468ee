package focus

import "meetd/xmpp/jingle"

// RTP header extension URIs the focus offers.
const (
	extAudioLevel   = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	extAbsSendTime  = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	extTransportCC  = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	extVideoOrient  = "urn:3gpp:video-orientation"
	sctpDefaultPort = 5000
)

// Payload type numbers the focus offers (Jicofo's defaults).
const (
	ptOpus = 111
	ptVP8  = 100
	ptRTX  = 96
)

// media is the codec and header-extension offer for one media kind. The
// same values go to the bridge (Colibri2 media) and to the client (Jingle
// description), so both sides agree on payload types and extension IDs.
type media struct {
	payloadTypes []jingle.PayloadType
	hdrExts      []jingle.HdrExt
}

func audioMedia() media {
	return media{
		payloadTypes: []jingle.PayloadType{{
			ID: ptOpus, Name: "opus", Clockrate: 48000, Channels: 2,
			Params: []jingle.Parameter{{Name: "minptime", Value: "10"}, {Name: "useinbandfec", Value: "1"}},
			RTCPFB: []jingle.RTCPFB{{Type: "transport-cc"}},
		}},
		hdrExts: []jingle.HdrExt{{ID: 1, URI: extAudioLevel}, {ID: 5, URI: extTransportCC}},
	}
}

func videoMedia() media {
	fb := []jingle.RTCPFB{{Type: "ccm", Subtype: "fir"}, {Type: "nack"}, {Type: "nack", Subtype: "pli"}, {Type: "transport-cc"}}
	return media{
		payloadTypes: []jingle.PayloadType{
			{ID: ptVP8, Name: "VP8", Clockrate: 90000, RTCPFB: fb},
			{ID: ptRTX, Name: "rtx", Clockrate: 90000, Params: []jingle.Parameter{{Name: "apt", Value: "100"}}},
		},
		hdrExts: []jingle.HdrExt{{ID: 3, URI: extAbsSendTime}, {ID: 4, URI: extVideoOrient}, {ID: 5, URI: extTransportCC}},
	}
}
