package bridge

import (
	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// Header-extension URIs the bridge looks for.
const (
	uriMid      = "urn:ietf:params:rtp-hdrext:sdes:mid"
	uriRID      = "urn:ietf:params:rtp-hdrext:sdes:rtp-stream-id"
	uriRepairID = "urn:ietf:params:rtp-hdrext:sdes:repaired-rtp-stream-id"
	uriTWCC     = "http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"
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
	forward bool // false for simulcast layers above the first (and their RTX)
}

// ingressTable is the immutable view of what one endpoint may send; it is
// replaced as a whole when the focus updates sources or media.
type ingressTable struct {
	ssrcs   map[uint32]ssrcRoute
	pts     [128]mediaKind
	strip   [maxStripped]uint8 // sender's mid / rid / repaired-rid ids, 0 = unused
	twccExt uint8              // 0 when not negotiated
}

var emptyIngress = &ingressTable{ssrcs: map[uint32]ssrcRoute{}}

// mediaState accumulates the payload types and header extensions the focus
// gave for an endpoint (the bridge only ever adds them).
type mediaState struct {
	pts     [128]mediaKind
	strip   [maxStripped]uint8
	twccExt uint8
}

func (m *mediaState) add(media []colibri.Media) {
	for _, md := range media {
		k := kindOf(md.Type)
		for _, pt := range md.PayloadTypes {
			if pt.ID < 128 {
				m.pts[pt.ID] = k
			}
		}
		m.addExts(md.HdrExts)
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
		}
	}
}

// buildIngress computes the SSRC routes from the endpoint's sources.
func buildIngress(m *mediaState, src *colibri.Sources) *ingressTable {
	t := &ingressTable{ssrcs: map[uint32]ssrcRoute{}, pts: m.pts, strip: m.strip, twccExt: m.twccExt}
	if src == nil {
		return t
	}
	for _, ms := range src.MediaSources {
		addMediaSource(t, ms)
	}
	return t
}

// addMediaSource registers a source's SSRCs. For simulcast (SIM group)
// only the first SSRC and its FID partner are forwarded.
func addMediaSource(t *ingressTable, ms colibri.MediaSource) {
	k := kindOf(ms.Type)
	if k == kindNone {
		return
	}
	forwarded := forwardedSSRCs(ms)
	for _, s := range ms.Sources {
		_, fwd := forwarded[s.SSRC]
		t.ssrcs[s.SSRC] = ssrcRoute{kind: k, forward: fwd || forwarded == nil}
	}
	for _, g := range ms.Groups {
		for _, s := range g.Sources {
			if _, ok := t.ssrcs[s.SSRC]; !ok {
				_, fwd := forwarded[s.SSRC]
				t.ssrcs[s.SSRC] = ssrcRoute{kind: k, forward: fwd || forwarded == nil}
			}
		}
	}
}

// forwardedSSRCs returns the set to forward for a simulcast source, or nil
// when the source has no SIM group (then everything is forwarded).
func forwardedSSRCs(ms colibri.MediaSource) map[uint32]struct{} {
	var primary uint32
	for _, g := range ms.Groups {
		if g.Semantics == "SIM" && len(g.Sources) > 0 {
			primary = g.Sources[0].SSRC
			break
		}
	}
	if primary == 0 {
		return nil
	}
	set := map[uint32]struct{}{primary: {}}
	for _, g := range ms.Groups {
		if g.Semantics == "FID" && len(g.Sources) == 2 && g.Sources[0].SSRC == primary {
			set[g.Sources[1].SSRC] = struct{}{}
		}
	}
	return set
}
