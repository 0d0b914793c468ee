package bridge

import "time"

// layerTarget is what one receiver should get of one video source: the
// simulcast encoding (-1: nothing) and the highest temporal layer.
type layerTarget struct {
	enc int8
	tid uint8
	// squeezed: the bandwidth estimate, not the receiver's constraint,
	// holds enc below the layer asked for (allocation.go).
	squeezed bool
}

var targetOff = layerTarget{enc: -1}

const keyframeGrace = 500 * time.Millisecond

// maxLate is how far behind the newest packet a late one may still be
// forwarded (in sequence numbers).
const maxLate = 0x4000

// projected is the rewritten header of one forwarded packet.
type projected struct {
	seq    uint16
	ts     uint32
	pid    uint16
	tl0    uint8
	marker bool // set the RTP marker bit (end of the highest forwarded SVC layer)
	adt    bool // AV1: write mask as the descriptor's active decode targets (av1.go)
	mask   uint32
}

// projection presents the simulcast encodings of one source to one
// receiver as a single continuous VP8 stream on the source's first SSRC
// (docs/media.md#simulcast): sequence numbers, timestamps, PictureID and TL0PICIDX
// are shifted so that a switch of encoding, made only at a keyframe, and
// dropped temporal layers look like one stream. It is used only by the
// sending endpoint's reader goroutine.
type projection struct {
	cur      int8   // encoding being forwarded, -1 none
	sid      int8   // SVC: highest spatial layer forwarded (svc.go)
	svcKey   bool   // SVC: went down for the estimate, asks for a keyframe (svc.go)
	tid      int8   // AV1: highest temporal layer forwarded (av1.go)
	adt      uint8  // AV1: announcing active decode targets (adtNone, adtPending, adtSending)
	adtTS    uint32 // AV1: input timestamp of the picture that announces adtMask
	adtMask  uint32 // AV1: the decode targets of the forwarded layers
	started  bool   // something was forwarded
	baseSeq  uint16 // input packets older than this are dropped
	lastIn   uint16 // highest input sequence number of cur
	seqDelta uint16
	tsDelta  uint32
	pidDelta uint16
	tl0Delta uint8
	last     projected // highest output so far
	lastAt   time.Time
	// wantSince is when the projection started waiting for a keyframe of
	// its target encoding; keyframes of other encodings that move toward
	// the target are taken only after keyframeGrace.
	wantSince time.Time
	packets   uint32 // sent, for sender reports
	octets    uint32
	cache     *packetCache // what was sent, for the receiver's NACKs
}

func newProjection() *projection { return &projection{cur: -1, sid: -1, tid: -1} }

// project decides about one input packet of encoding enc and, when it is
// forwarded, returns its output header fields. A switch of encoding only
// happens at a keyframe that moves toward the target.
func (p *projection) project(seq uint16, ts uint32, enc int8, v *vp8Info, t layerTarget, now time.Time) (projected, bool) {
	if t.enc < 0 {
		p.cur = -1
		return projected{}, false
	}
	p.noteWait(t, now)
	if enc != p.cur {
		if !v.keyframe || !closer(enc, p.cur, t.enc) {
			return projected{}, false
		}
		if enc != t.enc && now.Sub(p.wantSince) < keyframeGrace {
			return projected{}, false // the target's own keyframe may be on its way
		}
		p.switchTo(seq, ts, enc, v, now)
	}
	if seqLess(seq, p.baseSeq) {
		return projected{}, false
	}
	maxTID := t.tid
	if t.enc < p.cur {
		maxTID = 0 // pending switch down: thin out until the keyframe
	}
	if v.hasTID && v.tid > maxTID {
		p.skip(seq)
		return projected{}, false
	}
	return p.emit(seq, ts, v, now), true
}

// noteWait tracks since when the projection waits for the target encoding.
func (p *projection) noteWait(t layerTarget, now time.Time) {
	switch {
	case p.cur == t.enc:
		p.wantSince = time.Time{}
	case p.wantSince.IsZero():
		p.wantSince = now
	}
}

// needsKeyframe reports whether the projection waits for a keyframe of t.
func (p *projection) needsKeyframe(t layerTarget) bool { return t.enc >= 0 && p.cur != t.enc }

// closer reports whether switching from cur to enc moves toward target
// (any encoding not above the target is welcome when nothing is forwarded).
func closer(enc, cur, target int8) bool {
	if enc > target {
		return false
	}
	if cur < 0 || enc == target {
		return true
	}
	return abs8(target-enc) < abs8(target-cur)
}

func abs8(v int8) int8 {
	if v < 0 {
		return -v
	}
	return v
}

// switchTo starts forwarding encoding enc at the keyframe whose first
// packet is (seq, ts): output numbering continues from the last output.
func (p *projection) switchTo(seq uint16, ts uint32, enc int8, v *vp8Info, now time.Time) {
	if p.started {
		p.seqDelta = p.last.seq + 1 - seq
		step := uint32(now.Sub(p.lastAt).Milliseconds() * 90)
		p.tsDelta = p.last.ts + max(step, 1) - ts
		p.pidDelta = p.last.pid + 1 - v.pid
		p.tl0Delta = p.last.tl0 + 1 - v.tl0
	}
	p.cur, p.baseSeq, p.lastIn = enc, seq, seq-1
}

// skip drops a packet of the current encoding; when it is the next one in
// order the output numbering closes the gap it would leave.
func (p *projection) skip(seq uint16) {
	if seq == p.lastIn+1 {
		p.seqDelta--
		p.lastIn = seq
		p.baseSeq = seq + 1
	}
}

// emit computes the output fields of a forwarded packet.
func (p *projection) emit(seq uint16, ts uint32, v *vp8Info, now time.Time) projected {
	out := projected{seq: seq + p.seqDelta, ts: ts + p.tsDelta,
		pid: (v.pid + p.pidDelta) & v.pidMask(), tl0: v.tl0 + p.tl0Delta}
	if seqLess(p.lastIn, seq) {
		p.lastIn = seq
	}
	if p.lastIn-p.baseSeq > maxLate {
		p.baseSeq = p.lastIn - maxLate // keep "before the switch" meaningful across wraps
	}
	if !p.started || seqLess(p.last.seq, out.seq) {
		p.last, p.lastAt, p.started = out, now, true
	}
	return out
}

// seqLess reports whether RTP sequence number a is before b (RFC 3550 wrap).
func seqLess(a, b uint16) bool { return a != b && b-a < 0x8000 }
