package bridge

import (
	"encoding/binary"
	"time"

	"meetd/bridge/codec"
)

// AV1 forwarding by the dependency descriptor (docs/codecs.md#av1-svc).
// Every AV1 packet that carries the descriptor is read against the last
// template structure of its encoding: spatial and temporal id, start and
// end of frame, frame number, and whether it starts a keyframe. A source
// whose structure has several spatial layers is an SVC source as for VP9
// (svc.go): the allocation picks a spatial layer per receiver, and the
// projection forwards the frames of the spatial and temporal layers up to
// the chosen ones, telling the receiver which decode targets that leaves
// active. A single-layer source (L1T3) is thinned temporally the same way.

// readDD reads the dependency descriptor of an AV1 packet of encoding enc
// into f.dd and v, replacing what the aggregation header said. A packet
// without the extension (or a leg without it negotiated) is left as it
// is; one that cannot be read against a known structure is marked dd but
// not ddOK, and is then not forwarded on a layered path.
func (f *forwarder) readDD(pkt []byte, id uint8, src *videoSource, enc int8, v *vp8Info) {
	if id == 0 || enc < 0 || int(enc) >= maxEncodings {
		return
	}
	ext := extensionValue(pkt, id)
	if len(ext) == 0 {
		return
	}
	p := src.dd[enc].Load()
	if p == nil {
		p = new(codec.DDParser)
		src.dd[enc].Store(p)
	}
	v.dd, v.svc, v.keyframe = true, true, false
	v.ddOff, v.ddLen = cap(pkt)-cap(ext), len(ext) // ext is a sub-slice of pkt
	d := &f.dd
	if p.Parse(ext, d) != nil {
		return
	}
	v.ddOK = true
	v.start, v.endOfLayer = d.StartOfFrame, d.EndOfFrame
	v.sid, v.tid, v.hasTID = d.SpatialID, d.TemporalID, true
	v.pid, v.pid16, v.pidOff = d.FrameNumber, true, v.ddOff+1
	v.ddMask, v.ddActive = d.ActiveTargetsPresent, d.ActiveDecodeTargets
	// A keyframe: the first packet of a frame that brings a new structure
	// (sent with the first packet of a coded video sequence) and refers to
	// no earlier frame, on the base spatial layer.
	v.keyframe = d.StructurePresent && d.StartOfFrame && d.SpatialID == 0 && d.NumFdiffs == 0
	if d.StructurePresent {
		v.learnStructure(p.Structure())
	}
}

// learnStructure takes the spatial layers and their heights (when the
// structure has resolutions) as a VP9 scalability structure's.
func (v *vp8Info) learnStructure(st *codec.DDStructure) {
	n := int(st.MaxSpatialID) + 1
	v.svcLayers = uint8(n)
	if !st.HasResolutions {
		return
	}
	for i := range min(n, maxEncodings) {
		v.svcHeights[i] = st.Height[i]
	}
	v.width, v.height = st.Width[n-1], st.Height[n-1]
}

// ddStructure is the structure in effect for encoding enc, or nil.
func (s *videoSource) ddStructure(enc int8) *codec.DDStructure {
	if enc < 0 || int(enc) >= maxEncodings {
		return nil
	}
	if p := s.dd[enc].Load(); p != nil {
		return p.Structure()
	}
	return nil
}

// projectAV1 decides about one packet of a layered AV1 source. At the
// start of each picture (its base spatial layer's first packet) the
// forwarded layers move toward the receiver's target: down at once, the
// temporal layer up at a picture of temporal layer 0, the spatial layer
// up only at a keyframe. Frames above the forwarded layers are dropped
// with their sequence numbers closed up, the marker bit goes to the end of
// the highest forwarded spatial layer's frame, and the pictures after a
// change carry the new active decode targets.
func (p *projection) projectAV1(seq uint16, ts uint32, enc int8, v *vp8Info, st *codec.DDStructure, t layerTarget, now time.Time) (projected, bool) {
	if t.enc < 0 {
		p.cur, p.sid, p.tid = -1, -1, -1
		return projected{}, false
	}
	if !v.ddOK || st == nil {
		p.skip(seq)
		return projected{}, false
	}
	if p.cur < 0 {
		if !v.keyframe {
			return projected{}, false
		}
		p.switchTo(seq, ts, enc, v, now)
	}
	if seqLess(seq, p.baseSeq) {
		return projected{}, false
	}
	if v.start && v.sid == 0 {
		ws := int8(min(int(t.enc), int(st.MaxSpatialID)))
		p.pictureStart(ws, int8(min(t.tid, st.MaxTemporalID)), v, st)
	}
	if int8(v.sid) > p.sid || int8(v.tid) > p.tid {
		p.skip(seq)
		return projected{}, false
	}
	out := p.emit(seq, ts, v, now)
	out.marker = v.endOfLayer && int8(v.sid) == p.sid
	p.announce(ts, &out)
	if v.ddMask || out.adt {
		// The sender's own bitmask (it may have turned targets off) is
		// narrowed to what this receiver gets; an announcement never
		// names targets the sender turned off.
		out.adt, out.mask = true, p.adtMask&v.ddActive
	}
	return out, true
}

// announce puts the pending active decode targets on the packets of the
// first picture forwarded since they changed (every packet of it, as JVB
// does, so that one lost packet does not lose the news).
func (p *projection) announce(ts uint32, out *projected) {
	switch {
	case p.adt == adtNone:
		return
	case p.adt == adtPending:
		p.adt, p.adtTS = adtSending, ts
	case ts != p.adtTS:
		if int32(ts-p.adtTS) > 0 {
			p.adt = adtNone // a later picture: announced
		}
		return
	}
	out.adt = true
}

// pictureStart moves the forwarded layers toward the target (ws, wt) at
// the start of a picture and, when they change or a keyframe's new
// structure made the receiver assume every decode target active, has the
// picture announce the active decode targets. As JVB does, a keyframe
// whose targets are all active announces nothing.
func (p *projection) pictureStart(ws, wt int8, v *vp8Info, st *codec.DDStructure) {
	s, tt := p.sid, p.tid
	if v.keyframe {
		s, tt = ws, wt
	} else {
		s = min(s, ws)
		if wt < tt || v.tid == 0 {
			tt = wt
		}
	}
	if s == p.sid && tt == p.tid && !v.keyframe {
		return
	}
	p.sid, p.tid = s, tt
	p.adtMask = activeTargets(st, s, tt)
	if v.keyframe && uint64(p.adtMask) == uint64(1)<<st.DTCount-1 {
		p.adt = adtNone
		return
	}
	p.adt = adtPending
}

// States of the active decode targets announcement of a projection.
const (
	adtNone    = iota // nothing to announce
	adtPending        // on the next picture forwarded
	adtSending        // on the picture with timestamp adtTS
)

// activeTargets is the active decode targets bitmask (bit i for decode
// target i) when the frames up to spatial id s and temporal id t are
// forwarded: the targets made of those layers only.
func activeTargets(st *codec.DDStructure, s, t int8) uint32 {
	var mask uint32
	for dt := range int(st.DTCount) {
		if int8(st.DTSpatialID[dt]) <= s && int8(st.DTTemporalID[dt]) <= t {
			mask |= 1 << dt
		}
	}
	return mask
}

// needsAV1Keyframe reports whether the projection waits for a keyframe to
// start or to go up to the target spatial layer.
func (p *projection) needsAV1Keyframe(t layerTarget, st *codec.DDStructure) bool {
	if t.enc < 0 {
		return false
	}
	if p.cur < 0 || st == nil {
		return true
	}
	return min(t.enc, int8(st.MaxSpatialID)) > p.sid
}

// withActiveTargets writes mask as the active decode targets of the
// descriptor in d (a projected copy of the packet f.dd was read from):
// in place when the packet has a bitmask, else into a copy of the packet
// whose descriptor grew to carry one. When the grown descriptor does not
// fit the packet's extension format, d is sent without it.
func (f *forwarder) withActiveTargets(d []byte, v *vp8Info, mask uint32) []byte {
	ext := d[v.ddOff : v.ddOff+v.ddLen]
	if f.dd.SetActiveDecodeTargets(ext, mask) == nil {
		return d
	}
	f.ddVal = f.dd.AppendActiveDecodeTargets(f.ddVal[:0], ext, mask)
	out, ok := replaceExtension(f.ddPkt[:0], d, v.ddOff, v.ddLen, f.ddVal)
	if !ok {
		return d
	}
	f.ddPkt = out[:0]
	return out
}

// replaceExtension appends to dst a copy of the RTP packet pkt whose
// header-extension element with the value pkt[off:off+n] has the value
// val instead; the extension block is padded to 32-bit words again. ok is
// false when val does not fit the element format or dst's capacity (it
// never grows dst).
func replaceExtension(dst, pkt []byte, off, n int, val []byte) ([]byte, bool) {
	start, end, profile, ok := extensionBlock(pkt)
	if !ok || off < start || off+n > end {
		return dst, false
	}
	hdr := 1
	switch {
	case profile == 0xBEDE && len(val) >= 1 && len(val) <= 16:
	case profile&0xFFF0 == 0x1000 && len(val) <= 255:
		hdr = 2
	default:
		return dst, false
	}
	block := end - start - n + len(val)
	pad := (4 - block%4) % 4
	if len(pkt)-(end-start)+block+pad > cap(dst) || off-hdr < start {
		return dst, false
	}
	id := pkt[off-hdr]
	if hdr == 1 {
		id >>= 4
	}
	dst = append(dst, pkt[:off-hdr]...)
	if hdr == 1 {
		dst = append(dst, id<<4|byte(len(val)-1))
	} else {
		dst = append(dst, id, byte(len(val)))
	}
	dst = append(dst, val...)
	dst = append(dst, pkt[off+n:end]...)
	for range pad {
		dst = append(dst, 0)
	}
	binary.BigEndian.PutUint16(dst[start-2:], uint16((block+pad)/4))
	return append(dst, pkt[end:]...), true
}
