package bridge

import "time"

// VP9 spatial scalability (SVC) on one SSRC (docs/codecs.md#svc): the
// spatial layers of a VP9 source sent on one SSRC (the only one, or, as
// current clients do, one encoding of a SIM group whose others stay off)
// stand in for simulcast encodings in the allocation (heights from the
// scalability structure, layer index = spatial id), and the projection
// drops the layers above a receiver's target instead of switching SSRCs.

// layers is the number of encodings, or of spatial layers of a
// single-SSRC SVC source, the allocation chooses from.
func (s *videoSource) layers() int {
	if n := int(s.svc.Load()); n > 1 {
		return min(n, maxEncodings)
	}
	return len(s.ssrcs)
}

// isSVC reports whether the source's layers are VP9 spatial layers.
func (s *videoSource) isSVC() bool { return s.svc.Load() > 1 }

// ssrcOf is the SSRC that carries layer enc (for SVC, the SVC encoding's).
func (s *videoSource) ssrcOf(enc int8) uint32 {
	if s.isSVC() {
		enc = int8(s.svcEnc.Load())
	}
	if enc < 0 || int(enc) >= len(s.ssrcs) {
		return s.ssrcs[len(s.ssrcs)-1]
	}
	return s.ssrcs[enc]
}

// learnSVC records the spatial layers announced by a VP9 scalability
// structure with resolutions that encoding enc sent; it reports a change.
// A single-layer structure on a simulcast encoding says nothing about the
// source's layers and is left to learnHeight.
func (s *videoSource) learnSVC(enc int8, v *vp8Info) bool {
	if v.svcLayers == 0 || (v.svcLayers == 1 && len(s.ssrcs) > 1) {
		return false
	}
	n := int(min(v.svcLayers, maxEncodings))
	changed := s.svc.Swap(int32(n)) != int32(n)
	if s.svcEnc.Swap(int32(enc)) != int32(enc) {
		changed = true
	}
	for i := range n {
		if h := int32(v.svcHeights[i]); h > 0 && s.heights[i].Swap(h) != h {
			changed = true
		}
	}
	return changed
}

// layerOf is the layer a packet of encoding enc belongs to: its spatial
// id for an SVC source.
func (s *videoSource) layerOf(enc int8, v *vp8Info) int8 {
	if s.svcPacket(enc, v) {
		return int8(min(int(v.sid), s.layers()-1))
	}
	return enc
}

// svcPacket reports whether a packet of encoding enc is part of the
// source's SVC stream.
func (s *videoSource) svcPacket(enc int8, v *vp8Info) bool {
	return v.svc && s.isSVC() && int32(enc) == s.svcEnc.Load()
}

// projectSVC decides about one packet of an SVC source: the layers above
// the receiver's target spatial layer (t.enc) and temporal layer are
// dropped. The spatial layer goes down at the start of any picture and up
// only at a keyframe (K-SVC: upper layers depend on the keyframe's). The
// marker bit moves to the end of the highest forwarded layer frame.
func (p *projection) projectSVC(seq uint16, ts uint32, enc int8, v *vp8Info, t layerTarget, now time.Time) (projected, bool) {
	if t.enc < 0 {
		p.cur, p.sid, p.svcKey = -1, -1, false
		return projected{}, false
	}
	if p.cur < 0 {
		if !v.keyframe {
			return projected{}, false
		}
		p.switchTo(seq, ts, enc, v, now)
		p.sid = t.enc
	}
	if seqLess(seq, p.baseSeq) {
		return projected{}, false
	}
	if v.start && v.sid == 0 {
		if v.keyframe {
			p.svcKey = false
		}
		if t.enc < p.sid && t.squeezed {
			p.svcKey = !v.keyframe
		}
		if t.enc < p.sid || (t.enc > p.sid && v.keyframe) {
			p.sid = t.enc
		}
	}
	if int8(v.sid) > p.sid || (v.hasTID && v.tid > t.tid) {
		p.skip(seq)
		return projected{}, false
	}
	out := p.emit(seq, ts, v, now)
	out.marker = int8(v.sid) == p.sid && v.endOfLayer
	return out, true
}

// needsSVCKeyframe reports whether the projection waits for a keyframe to
// start or to go up to the target spatial layer, or wants one after the
// estimate moved it down: base-layer packets the congested link lost
// before the switch may never be repaired, and the receiver would wait
// for them until its own keyframe request (docs/codecs.md#svc).
func (p *projection) needsSVCKeyframe(t layerTarget) bool {
	return t.enc >= 0 && (p.cur < 0 || t.enc > p.sid || p.svcKey)
}

// svcRate is what spatial layer enc costs: it needs every layer below it,
// so the sum of their measured rates (a guess from its height while any of
// them is not measured).
func (s *videoSource) svcRate(enc int8, now time.Time) float64 {
	sum := 0.0
	for i := int8(0); i <= enc && int(i) < maxEncodings; i++ {
		r := s.rates[i].Load()
		if r <= 0 || monoNanos(now)-s.seen[i].Load() >= int64(layerIdle) {
			return nominalRate(s.height(int(enc)))
		}
		sum += float64(r)
	}
	return sum
}
