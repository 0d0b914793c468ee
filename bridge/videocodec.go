package bridge

import (
	"strings"

	"meetd/bridge/codec"
)

// codecKind is the codec of an RTP payload type (docs/codecs.md).
type codecKind uint8

const (
	codecUnknown codecKind = iota
	codecVP8
	codecVP9
	codecAV1
	codecH264
	codecOpus
	codecRED
)

// codecOfName maps an rtpmap encoding name to a codec.
func codecOfName(name string) codecKind {
	switch strings.ToLower(name) {
	case "vp8":
		return codecVP8
	case "vp9":
		return codecVP9
	case "av1":
		return codecAV1
	case "h264":
		return codecH264
	case "opus":
		return codecOpus
	case "red":
		return codecRED
	}
	return codecUnknown
}

// parseVideo reads what the projection needs from the payload pkt[start:end]
// of a packet of codec c. ok is false for a payload it cannot read or a
// codec it does not know, which is then not forwarded.
func parseVideo(pkt []byte, start, end int, c codecKind, d *codec.VP9Descriptor) (vp8Info, bool) {
	switch c {
	case codecVP8:
		return parseVP8(pkt, start, end)
	case codecVP9:
		return parseVP9(pkt, start, end, d)
	case codecH264:
		return parseH264(pkt[start:end])
	case codecAV1:
		return parseAV1(pkt[start:end])
	}
	return vp8Info{}, false
}

// parseVP9 reads the VP9 payload descriptor (RFC 9628): keyframe, layer
// ids, picture ID and TL0PICIDX offsets (laid out as in VP8, so the same
// rewriting applies) and, from a scalability structure, the frame height
// of the highest spatial layer.
func parseVP9(pkt []byte, start, end int, d *codec.VP9Descriptor) (vp8Info, bool) {
	if d.Parse(pkt[start:end]) != nil {
		return vp8Info{}, false
	}
	v := vp8Info{start: d.B, keyframe: d.Keyframe(), pid: d.PictureID, pidLong: d.PIDLong,
		tl0: d.TL0PICIDX, hasTID: d.L, tid: d.TID, svc: true, sid: d.SID, endOfLayer: d.E}
	pid, tl0 := d.Offsets()
	if pid != 0 {
		v.pidOff = start + pid
	}
	if tl0 != 0 {
		v.tl0Off = start + tl0
	}
	if d.V && d.SS.Y && d.SS.NS > 0 {
		v.width, v.height = d.SS.Width[d.SS.NS-1], d.SS.Height[d.SS.NS-1]
		v.svcLayers = d.SS.NS
		for i := range min(int(d.SS.NS), maxEncodings) {
			v.svcHeights[i] = d.SS.Height[i]
		}
	}
	return v, true
}

// H.264 NAL unit types (RFC 6184).
const (
	nalIDR   = 5
	nalSPS   = 7
	nalSTAPA = 24
	nalFUA   = 28
)

// parseH264 finds keyframes in an H.264 payload (RFC 6184): an IDR slice or
// a sequence parameter set in a single NAL unit, in any unit of a STAP-A,
// or in the first fragment of an FU-A. H.264 has no picture ID or temporal
// layer fields here, so a keyframe is what lets a projection switch.
func parseH264(p []byte) (vp8Info, bool) {
	if len(p) < 1 || p[0]&0x80 != 0 { // forbidden_zero_bit
		return vp8Info{}, false
	}
	switch t := p[0] & 0x1F; {
	case t >= 1 && t <= 23:
		return vp8Info{start: true, keyframe: t == nalIDR || t == nalSPS}, true
	case t == nalSTAPA:
		return parseSTAPA(p[1:])
	case t == nalFUA:
		if len(p) < 2 {
			return vp8Info{}, false
		}
		s, ft := p[1]&0x80 != 0, p[1]&0x1F
		return vp8Info{start: s, keyframe: s && (ft == nalIDR || ft == nalSPS)}, true
	}
	return vp8Info{}, false // other aggregation modes are not offered (packetization-mode=1)
}

// parseSTAPA walks the units of a STAP-A (16-bit size, then the unit).
func parseSTAPA(p []byte) (vp8Info, bool) {
	v := vp8Info{start: true}
	for len(p) > 0 {
		if len(p) < 3 {
			return vp8Info{}, false
		}
		n := int(p[0])<<8 | int(p[1])
		if n == 0 || len(p) < 2+n {
			return vp8Info{}, false
		}
		if t := p[2] & 0x1F; t == nalIDR || t == nalSPS {
			v.keyframe = true
		}
		p = p[2+n:]
	}
	return v, true
}

// parseAV1 reads the AV1 aggregation header (AV1 RTP spec §4.4): N=1
// marks the first packet of a coded video sequence, i.e. a keyframe; Z=0
// means the packet starts with the beginning of an OBU.
func parseAV1(p []byte) (vp8Info, bool) {
	if len(p) < 2 {
		return vp8Info{}, false
	}
	h := p[0]
	return vp8Info{start: h&0x80 == 0, keyframe: h&0x08 != 0}, true
}
