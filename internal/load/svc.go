package load

import (
	"encoding/binary"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// VP9 spatial scalability (K-SVC, like Chrome's L3T3_KEY) on one SSRC:
// each picture is one packet group per spatial layer, all with the
// picture's timestamp; the marker bit ends the top layer. The layers have
// the rates of the simulcast encodings (Config.LayerBitrates) and their
// resolutions. Only keyframes predict upper spatial layers from lower
// ones (D=1); delta frames predict within their own layer. The payload
// descriptor is docs/codecs.md#vp9-payload-descriptor (RFC 9628).

// svcLayers is the number of spatial layers the SVC sender emits.
const svcLayers = 3

// svcWidth and svcHeight are the spatial layers' resolutions, lowest first.
var (
	svcWidth  = [svcLayers]uint16{320, 640, 1280}
	svcHeight = [svcLayers]uint16{180, 360, 720}
)

// announceVP9 adds jitsi_participant_codecList "vp9,vp8" to a join
// presence: the focus narrows its offer to the codecs every participant
// lists, so a room of SVC endpoints is offered VP9 first.
func announceVP9(pres *dom.Element) {
	pres.AddNew(ns.Client, "jitsi_participant_codecList").SetText("vp9,vp8")
}

// initSVC sets s up for one VP9 SSRC (with RTX) carrying all spatial layers.
func (s *sender) initSVC(e *endpoint) {
	cfg := &e.r.cfg
	l := &videoLayer{ssrc: endpointSSRC(e.idx, ssrcVideo), rtxSSRC: endpointSSRC(e.idx, ssrcRTX)}
	l.wantKey.Store(true)
	s.layers = []*videoLayer{l}
	total := 0
	for i, rate := range cfg.LayerBitrates {
		s.svcBytes[i] = max(1, rate/8/cfg.FPS)
		total += rate
	}
	s.budget = max(1500, int(2.5*float64(total)/8*tick.Seconds()))
}

// sendSVCPicture sends one picture: the layer frames of spatial layers 0..2.
func (s *sender) sendSVCPicture(l *videoLayer, key bool) {
	l.frame++
	l.picID++
	l.ts += uint32(90000 / s.e.r.cfg.FPS)
	tid := temporalPattern[l.frame%4]
	if key {
		tid = 0
		s.e.c.keyframes.Add(1)
	}
	if tid == 0 {
		l.tl0++
	}
	for sid := range uint8(svcLayers) {
		size := s.svcBytes[sid]
		if key {
			size *= keyframeFactor
		}
		s.sendSVCLayerFrame(l, vp9Layer{sid: sid, tid: tid, key: key}, size)
	}
}

// vp9Layer is what the descriptor says about one layer frame.
type vp9Layer struct {
	sid, tid uint8
	key      bool
}

// sendSVCLayerFrame packetizes one spatial layer's frame of size bytes.
func (s *sender) sendSVCLayerFrame(l *videoLayer, v vp9Layer, size int) {
	o := s.e.offer
	npk := max(1, (size+maxPayload-1)/maxPayload)
	per := max(size/npk, tagLen+16)
	flags := uint8(0)
	if v.key {
		flags = flagKeyframe
	}
	av1 := s.e.r.cfg.AV1
	pt := o.ptVP9
	if av1 {
		pt = o.ptAV1
	}
	for i := range npk {
		var exts []hdrExt
		if o.extAbsTime != 0 {
			exts = append(exts, hdrExt{id: o.extAbsTime, val: absSendTime(s.extBuf[0][:0])})
		}
		if o.extTWCCV != 0 {
			exts = append(exts, hdrExt{id: o.extTWCCV, val: s.nextTWCC()})
		}
		l.seq++
		last := i == npk-1
		f := av1Frame{sid: v.sid, key: v.key, frame: uint16(l.frame*svcLayers) + uint16(v.sid), sof: i == 0, eof: last}
		if av1 {
			exts = append(exts, hdrExt{id: o.extDD, val: ddDescriptor(s.ddBuf[:0], f)})
		}
		h := rtpHead{marker: last && v.sid == svcLayers-1, pt: pt, seq: l.seq, ts: l.ts, ssrc: l.ssrc}
		p := writeRTPHeader(s.plain[:0], h, exts)
		start := len(p)
		if av1 {
			p = append(p, av1Aggregation(f, i, npk))
		} else {
			p = vp9Descriptor(p, l, v, i == 0, last)
		}
		p = append(p, s.fill[:max(per-(len(p)-start), tagLen)]...)
		tg := tag{sender: uint16(s.e.idx), layer: v.sid, flags: flags, frame: l.frame,
			index: uint16(i), packets: uint16(npk), sent: s.e.r.since()}
		tg.put(p[start:])
		l.hist[l.seq%histLen] = append(l.hist[l.seq%histLen][:0], p...)
		s.enqueue(p)
	}
}

// vp9Descriptor appends a non-flexible VP9 payload descriptor with a
// 15-bit picture ID, layer indices and TL0PICIDX; the first packet of a
// keyframe's base layer carries the scalability structure.
func vp9Descriptor(dst []byte, l *videoLayer, v vp9Layer, begin, end bool) []byte {
	b0 := byte(0xA0) // I, L
	if !v.key {
		b0 |= 0x40 // P
	}
	if begin {
		b0 |= 0x08 // B
	}
	if end {
		b0 |= 0x04 // E
	}
	ss := v.key && v.sid == 0 && begin
	if ss {
		b0 |= 0x02 // V
	}
	dst = append(dst, b0)
	dst = binary.BigEndian.AppendUint16(dst, 0x8000|l.picID&0x7fff)
	lb := v.tid<<5 | v.sid<<1
	if v.tid > 0 {
		lb |= 0x10 // U: switching-up point
	}
	if v.key && v.sid > 0 {
		lb |= 0x01 // D: keyframes predict from the lower spatial layer
	}
	dst = append(dst, lb, l.tl0)
	if ss {
		dst = vp9SS(dst)
	}
	return dst
}

// vp9SS appends the scalability structure: three resolutions and the
// four-picture L1T3 group (TID 0, 2, 1, 2, each referencing one picture).
func vp9SS(dst []byte) []byte {
	dst = append(dst, (svcLayers-1)<<5|0x10|0x08) // N_S, Y, G
	for i := range svcLayers {
		dst = binary.BigEndian.AppendUint16(dst, svcWidth[i])
		dst = binary.BigEndian.AppendUint16(dst, svcHeight[i])
	}
	dst = append(dst, 4) // N_G
	pdiff := [4]uint8{4, 1, 2, 1}
	for i, tid := range temporalPattern {
		u := byte(0)
		if tid > 0 {
			u = 0x10
		}
		dst = append(dst, tid<<5|u|1<<2, pdiff[i]) // R=1, one 8-bit P_DIFF
	}
	return dst
}
