package focus

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// RTP header extension URIs the focus offers.
const (
	extAudioLevel   = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	extAbsSendTime  = "http://www.webrtc.org/experiments/rtp-hdrext/abs-send-time"
	extTransportCC  = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	extVideoOrient  = "urn:3gpp:video-orientation"
	extDependency   = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
	sctpDefaultPort = 5000
)

// Payload type numbers the focus offers (Jicofo's defaults, docs/codecs.md#offer).
const (
	ptOpus = 111
	ptRED  = 112
	ptVP8  = 100
	ptRTX  = 96
)

// featureOpusRED is the disco feature of clients that can send and receive
// Opus in RED (lib-jitsi-meet adds it when configured with enableOpusRed).
const featureOpusRED = "http://jitsi.org/opus-red"

// videoCodec is one offerable video codec and its RTX payload type.
type videoCodec struct {
	name     string // lower case, as in presence and media.codecs
	rtpName  string // the rtpmap encoding name
	pt, rtx  uint8
	params   []jingle.Parameter
	rtxFB    bool // RTX payload type carries fir/nack/pli too (as Jicofo offers)
	dependDD bool // uses the dependency descriptor extension
}

// videoCodecs is the table of video codecs the focus can offer.
func videoCodecs() []videoCodec {
	return []videoCodec{
		{name: "av1", rtpName: "AV1", pt: 41, rtx: 42, rtxFB: true, dependDD: true},
		{name: "vp9", rtpName: "VP9", pt: 101, rtx: 97, rtxFB: true},
		{name: "vp8", rtpName: "VP8", pt: ptVP8, rtx: ptRTX, rtxFB: true},
		{name: "h264", rtpName: "H264", pt: 107, rtx: 99, params: []jingle.Parameter{
			{Name: "profile-level-id", Value: "42e01f"}, {Name: "level-asymmetry-allowed", Value: "1"},
			{Name: "packetization-mode", Value: "1"}}},
	}
}

func videoCodecByName(name string) (videoCodec, bool) {
	for _, c := range videoCodecs() {
		if c.name == name {
			return c, true
		}
	}
	return videoCodec{}, false
}

// codecOffer is what one participant is offered: video codecs in order of
// preference and whether audio comes with RED.
type codecOffer struct {
	videoCodecs []string
	red         bool
}

// media is the codec and header-extension offer for one media kind. The
// same values go to the bridge (Colibri2 media) and to the client (Jingle
// description), so both sides agree on payload types and extension IDs.
type media struct {
	payloadTypes []jingle.PayloadType
	hdrExts      []jingle.HdrExt
}

// audio is the audio offer: Opus, preceded by RED when offered (the first
// payload type is the one the client sends). With RED, Opus' in-band FEC
// is not asked for (no double redundancy, as Jicofo).
func (o codecOffer) audio() media {
	opus := jingle.PayloadType{
		ID: ptOpus, Name: "opus", Clockrate: 48000, Channels: 2,
		Params: []jingle.Parameter{{Name: "minptime", Value: "10"}},
		RTCPFB: []jingle.RTCPFB{{Type: "transport-cc"}},
	}
	var pts []jingle.PayloadType
	if o.red {
		// RFC 2198 fmtp: the primary and redundant blocks are Opus.
		pts = append(pts, jingle.PayloadType{ID: ptRED, Name: "red", Clockrate: 48000, Channels: 2,
			Params: []jingle.Parameter{{Value: strconv.Itoa(ptOpus) + "/" + strconv.Itoa(ptOpus)}}})
	} else {
		opus.Params = append(opus.Params, jingle.Parameter{Name: "useinbandfec", Value: "1"})
	}
	return media{
		payloadTypes: append(pts, opus),
		hdrExts:      []jingle.HdrExt{{ID: 1, URI: extAudioLevel}, {ID: 5, URI: extTransportCC}},
	}
}

// videoFB is the feedback every offered video codec gets.
func videoFB() []jingle.RTCPFB {
	return []jingle.RTCPFB{{Type: "ccm", Subtype: "fir"}, {Type: "nack"}, {Type: "nack", Subtype: "pli"}, {Type: "transport-cc"}}
}

// video is the video offer: the codecs in order, then their RTX payload
// types in the same order, and the dependency descriptor extension when
// AV1 is offered.
func (o codecOffer) video() media {
	var pts, rtx []jingle.PayloadType
	dd := false
	for _, name := range o.videoCodecs {
		c, ok := videoCodecByName(name)
		if !ok {
			continue
		}
		pts = append(pts, jingle.PayloadType{ID: c.pt, Name: c.rtpName, Clockrate: 90000, Params: c.params, RTCPFB: videoFB()})
		r := jingle.PayloadType{ID: c.rtx, Name: "rtx", Clockrate: 90000,
			Params: []jingle.Parameter{{Name: "apt", Value: strconv.Itoa(int(c.pt))}}}
		if c.rtxFB {
			r.RTCPFB = videoFB()[:3]
		}
		rtx = append(rtx, r)
		dd = dd || c.dependDD
	}
	exts := []jingle.HdrExt{{ID: 3, URI: extAbsSendTime}, {ID: 4, URI: extVideoOrient}, {ID: 5, URI: extTransportCC}}
	if dd {
		exts = append(exts, jingle.HdrExt{ID: 11, URI: extDependency})
	}
	return media{payloadTypes: append(pts, rtx...), hdrExts: exts}
}

// colibri is the Colibri2 media list: exactly what the client is offered.
func (o codecOffer) colibri() []colibri.Media {
	a, v := o.audio(), o.video()
	return []colibri.Media{
		{Type: kindAudio, PayloadTypes: a.payloadTypes, HdrExts: a.hdrExts},
		{Type: kindVideo, PayloadTypes: v.payloadTypes, HdrExts: v.hdrExts},
	}
}

// presenceCodecs reads the video codecs a client announces in its MUC
// presence: the comma-separated jitsi_participant_codecList of current
// clients, or the single preferred jitsi_participant_codecType of older
// ones. VP8 is added when missing (every client decodes it; Jicofo does
// the same). nil: the client announced nothing.
func presenceCodecs(pres *dom.Element) []string {
	var list []string
	if el := pres.Child("", "jitsi_participant_codecList"); el != nil {
		list = strings.Split(strings.ToLower(el.Text), ",")
	} else if el := pres.Child("", "jitsi_participant_codecType"); el != nil {
		list = []string{strings.ToLower(el.Text)}
	} else {
		return nil
	}
	out := make([]string, 0, len(list)+1)
	for _, c := range list {
		if c = strings.TrimSpace(c); c != "" && len(c) <= 16 && !slices.Contains(out, c) && len(out) < 16 {
			out = append(out, c)
		}
	}
	if !slices.Contains(out, "vp8") {
		out = append(out, "vp8")
	}
	return out
}

// conferenceCodecs is the configured codec order narrowed to the codecs
// every participant that announced a list supports (docs/codecs.md#offer).
// VP8 is always kept.
func conferenceCodecs(order []string, ps map[string]*participant) []string {
	out := make([]string, 0, len(order))
	for _, c := range order {
		ok := true
		for _, p := range ps {
			if p.videoCodecs != nil && c != "vp8" && !slices.Contains(p.videoCodecs, c) {
				ok = false
				break
			}
		}
		if ok {
			out = append(out, c)
		}
	}
	return out
}

// codecOfferFor is what p is offered now.
func (r *room) codecOfferFor(p *participant) codecOffer {
	order := r.f.cfg.VideoCodecs
	if len(order) == 0 {
		order = []string{"vp8"}
	}
	return codecOffer{videoCodecs: conferenceCodecs(order, r.participants), red: r.f.cfg.OpusRED && p.opusRED}
}

// discoTimeout bounds the wait for a client's disco#info answer.
const discoTimeout = 3 * time.Second

// discoverFeatures asks a client for its features (XEP-0030, at its
// occupant JID, as Jicofo does) once, when something offered depends on
// them: today only Opus RED. No answer means no such feature.
func (r *room) discoverFeatures(ctx context.Context, p *participant) {
	if p.discoDone || !r.f.cfg.OpusRED {
		return
	}
	p.discoDone = true
	ctx, cancel := context.WithTimeout(ctx, discoTimeout)
	defer cancel()
	iq := stanza.IQ("get", r.jid+"/"+p.nick)
	iq.AddNew(ns.DiscoInfo, "query")
	ans, err := r.f.request(ctx, iq)
	if err != nil {
		r.log.Info("client features unknown", "endpoint", p.nick, "err", err)
		return
	}
	feats := ans.Child(ns.DiscoInfo, "query").ChildrenNamed(ns.DiscoInfo, "feature")
	for _, f := range feats {
		if f.Attr("var") == featureOpusRED {
			p.opusRED = true
		}
	}
	r.log.Info("client features", "endpoint", p.nick, "features", len(feats), "opus_red", p.opusRED)
}
