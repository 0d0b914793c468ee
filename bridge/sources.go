package bridge

import (
	"strconv"
	"strings"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// Header-extension URIs the bridge looks for.
const (
	uriMid      = "urn:ietf:params:rtp-hdrext:sdes:mid"
	uriRID      = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	uriRepairID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
	uriTWCC     = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
	uriLevel    = "urn:ietf:params:rtp-hdrext:ssrc-audio-level"
	uriDD       = "https://aomediacodec.github.io/av1-rtp-spec/#dependency-descriptor-rtp-header-extension"
)

// maxStripped bounds the header extensions neutralised on forwarded packets.
const maxStripped = 3

// mediaKind is audio or video; 0 means unknown.
type mediaKind uint8

const (
	kindNone mediaKind = iota
	kindAudio
	kindVideo
)

func kindOf(s string) mediaKind {
	switch s {
	case "audio":
		return kindAudio
	case "video":
		return kindVideo
	}
	return kindNone
}

// ssrcRoute says what to do with one SSRC an endpoint sends.
type ssrcRoute struct {
	kind    mediaKind
	forward bool         // false for RTX of simulcast encodings
	src     *videoSource // video only
	enc     int8         // encoding index within src
	rtx     bool         // the RTX SSRC of encoding enc
}

// ingressTable is the immutable view of what one endpoint may send; it is
// replaced as a whole when the focus updates sources or media.
type ingressTable struct {
	ssrcs    map[uint32]ssrcRoute
	video    []*videoSource
	audio    []Source // the endpoint's audio sources
	pts      [128]mediaKind
	strip    [maxStripped]uint8 // sender's mid / rid / repaired-rid ids, 0 = unused
	twccExt  uint8              // 0 when not negotiated
	levelExt uint8              // ssrc-audio-level id, 0 when not negotiated
	ddExt    uint8              // AV1 dependency descriptor id (av1.go), 0 when not negotiated
	rtxOf    [128]uint8         // RTX payload type of a media payload type, 0 = none
	aptOf    [128]uint8         // media payload type of an RTX payload type
	codec    [128]codecKind     // codec of each payload type (videocodec.go)
}

var emptyIngress = &ingressTable{ssrcs: map[uint32]ssrcRoute{}}

// mediaState accumulates the payload types and header extensions the focus
// gave for an endpoint (the bridge only ever adds them).
type mediaState struct {
	pts      [128]mediaKind
	strip    [maxStripped]uint8
	twccExt  uint8
	levelExt uint8
	ddExt    uint8
	rtxOf    [128]uint8
	aptOf    [128]uint8
	codec    [128]codecKind
}

func (m *mediaState) add(media []colibri.Media) {
	for _, md := range media {
		k := kindOf(md.Type)
		for _, pt := range md.PayloadTypes {
			if pt.ID < 128 {
				m.pts[pt.ID] = k
				m.codec[pt.ID] = codecOfName(pt.Name)
				m.addRTX(pt)
			}
		}
		m.addExts(md.HdrExts)
	}
}

// addRTX records an RTX payload type and the one it repairs (apt).
func (m *mediaState) addRTX(pt jingle.PayloadType) {
	if !strings.EqualFold(pt.Name, "rtx") {
		return
	}
	for _, p := range pt.Params {
		if apt, err := strconv.Atoi(p.Value); p.Name == "apt" && err == nil && apt > 0 && apt < 128 {
			m.rtxOf[apt], m.aptOf[pt.ID] = pt.ID, uint8(apt)
		}
	}
}

func (m *mediaState) addExts(exts []jingle.HdrExt) {
	for _, x := range exts {
		if x.ID == 0 {
			continue
		}
		switch x.URI {
		case uriMid:
			m.strip[0] = x.ID
		case uriRID:
			m.strip[1] = x.ID
		case uriRepairID:
			m.strip[2] = x.ID
		case uriTWCC:
			m.twccExt = x.ID
		case uriLevel:
			m.levelExt = x.ID
		case uriDD:
			m.ddExt = x.ID
		}
	}
}

// buildIngress computes the SSRC routes from the endpoint's sources; video
// sources that did not change keep what old learned about them.
func buildIngress(m *mediaState, src *colibri.Sources, owner string, old *ingressTable) *ingressTable {
	t := &ingressTable{ssrcs: map[uint32]ssrcRoute{}, pts: m.pts, strip: m.strip, twccExt: m.twccExt,
		levelExt: m.levelExt, ddExt: m.ddExt, rtxOf: m.rtxOf, aptOf: m.aptOf, codec: m.codec}
	if src == nil {
		return t
	}
	for _, ms := range src.MediaSources {
		addMediaSource(t, owner, ms, old)
	}
	return t
}

// addMediaSource registers a source's SSRCs. Every video encoding is
// routed to the projection, RTX to decapsulation.
func addMediaSource(t *ingressTable, owner string, ms colibri.MediaSource, old *ingressTable) {
	k := kindOf(ms.Type)
	if k == kindNone {
		return
	}
	var vs *videoSource
	if k == kindAudio && len(ms.Sources) > 0 {
		name := ms.ID
		if name == "" {
			name = owner + "-a0"
		}
		t.audio = append(t.audio, Source{Endpoint: owner, Name: name, SSRC: ms.Sources[0].SSRC})
	}
	if k == kindVideo {
		if vs = newVideoSource(owner, ms); vs != nil {
			vs.adopt(old)
			t.video = append(t.video, vs)
		}
	}
	for _, s := range ms.Sources {
		t.ssrcs[s.SSRC] = routeOf(k, vs, s.SSRC)
	}
	for _, g := range ms.Groups {
		for _, s := range g.Sources {
			if _, ok := t.ssrcs[s.SSRC]; !ok {
				t.ssrcs[s.SSRC] = routeOf(k, vs, s.SSRC)
			}
		}
	}
}

// routeOf is the route of one SSRC of a source (vs nil for audio).
func routeOf(k mediaKind, vs *videoSource, ssrc uint32) ssrcRoute {
	if vs == nil {
		return ssrcRoute{kind: k, forward: true}
	}
	for i, s := range vs.ssrcs {
		if s == ssrc {
			return ssrcRoute{kind: k, forward: true, src: vs, enc: int8(i)}
		}
	}
	// RTX is decapsulated; other group members (FEC) are not forwarded.
	for i, r := range vs.rtx {
		if r == ssrc {
			return ssrcRoute{kind: k, forward: true, src: vs, enc: int8(i), rtx: true}
		}
	}
	return ssrcRoute{kind: k, src: vs, enc: -1}
}

// adopt takes over the learned state of the same source in old.
func (s *videoSource) adopt(old *ingressTable) {
	if old == nil {
		return
	}
	for _, o := range old.video {
		if s.sameAs(o) {
			s.inherit(o)
			return
		}
	}
}
