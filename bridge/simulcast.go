package bridge

import (
	"encoding/binary"
	"time"

	"meetd/bridge/codec"

	"github.com/pion/rtcp"
)

// projKey names the projection of one source towards one receiver.
type projKey struct {
	r       *downlink
	primary uint32
}

// forwarder holds a sender's projections. Reader goroutine only.
type forwarder struct {
	proj    map[projKey]*projection
	bySrc   map[uint32]*srcProjections // by primary SSRC
	seen    *[]*downlink               // the receiver list the map was last pruned against
	rtxBuf  []byte                     // scratch for decapsulated retransmissions
	rtcpBuf []byte                     // scratch for translated sender reports
	outBuf  []byte                     // scratch: the packet handed to one receiver
	vp9     codec.VP9Descriptor        // scratch for VP9 payload descriptors
	dd      codec.DDFrame              // the AV1 dependency descriptor of the packet being forwarded (av1.go)
	ddVal   []byte                     // scratch: a descriptor grown to carry active decode targets
	ddPkt   []byte                     // scratch: a packet with such a descriptor
	red     codec.RED                  // scratch for RED payloads (red.go)
	redBuf  []byte                     // scratch: a RED packet stripped to its primary block
	rtcpIn  rtcpScratch                // incoming RTCP read in place (rtcpread.go)
	sawRED  bool                       // the sender's first RED packet was logged
	silence silenceFilter              // silent audio dropped and renumbered around (silence.go)
}

// srcProjections lists one source's projections in the order of a
// receiver list, so the per-packet loop needs no map look-ups.
type srcProjections struct {
	list  *[]*downlink
	src   *videoSource
	projs []*projection // nil for the sender itself
}

func newForwarder() *forwarder {
	return &forwarder{proj: map[projKey]*projection{}, bySrc: map[uint32]*srcProjections{},
		rtxBuf: make([]byte, 0, maxDatagram), outBuf: make([]byte, 0, maxDatagram),
		redBuf: make([]byte, 0, maxDatagram), ddVal: make([]byte, 0, 256), ddPkt: make([]byte, 0, maxDatagram)}
}

// get returns (creating) the projection of src towards r.
func (f *forwarder) get(r *downlink, src *videoSource) *projection {
	k := projKey{r, src.primary}
	p := f.proj[k]
	if p == nil {
		p = newProjection()
		f.proj[k] = p
	}
	if p.cache == nil || p.cache.src != src {
		p.cache = r.cacheFor(src)
	}
	return p
}

// projections returns src's projections in the order of list (rebuilt
// when the list or the source changed).
func (f *forwarder) projections(src *videoSource, list *[]*downlink, self *downlink) []*projection {
	sp := f.bySrc[src.primary]
	if sp != nil && sp.list == list && sp.src == src {
		return sp.projs
	}
	if sp == nil {
		sp = &srcProjections{}
		f.bySrc[src.primary] = sp
	}
	sp.list, sp.src, sp.projs = list, src, sp.projs[:0]
	for _, r := range *list {
		var p *projection
		if r != self {
			p = f.get(r, src)
		}
		sp.projs = append(sp.projs, p)
	}
	return sp.projs
}

// prune forgets projections of receivers that left, when the list changed.
func (f *forwarder) prune(list *[]*downlink) {
	if f.seen == list {
		return
	}
	f.seen = list
	present := make(map[*downlink]bool, len(*list))
	for _, r := range *list {
		present[r] = true
	}
	for k := range f.proj {
		if !present[k.r] {
			delete(f.proj, k)
		}
	}
}

// forwardVideo projects one packet of a video encoding to each receiver
// according to its allocation, asking the sender for a keyframe when a
// receiver waits for one. A source without simulcast is one encoding.
func (e *endpoint) forwardVideo(pkt []byte, route ssrcRoute, now time.Time) {
	src := route.src
	seq, ts := binary.BigEndian.Uint16(pkt[2:]), binary.BigEndian.Uint32(pkt[4:])
	start, end, ok := rtpPayload(pkt)
	pt := pkt[1] & 0x7F
	var v vp8Info
	if ok {
		tbl := e.ingress.Load()
		v, ok = parseVideo(pkt, start, end, tbl.codec[pt], &e.fwd.vp9)
		if ok && tbl.codec[pt] == codecAV1 {
			e.fwd.readDD(pkt, tbl.ddExt, src, route.enc, &v)
		}
	}
	list := e.conf.rxs.Load()
	e.fwd.prune(list)
	if !ok {
		e.skipAll(*list, src.primary, route.enc, seq)
		return
	}
	layer := src.layerOf(route.enc, &v)
	src.saw(layer, now)
	src.count(layer, len(pkt), now)
	src.cache.put(route.enc, pkt)
	if v.svcLayers > 0 && src.learnSVC(route.enc, &v) {
		e.log.Debug("SVC spatial layers", "source", src.name, "layers", src.layers(),
			"heights", [3]int{src.height(0), src.height(1), src.height(2)}, "keyframe", v.keyframe)
		e.conf.reallocate()
	} else if v.keyframe && !src.isSVC() && src.learnHeight(route.enc, v.height) {
		e.conf.reallocate()
	}
	svc := src.svcPacket(route.enc, &v)
	if src.isSVC() && !svc {
		return // another encoding of an SVC source: not what the projections follow
	}
	// AV1 read by its descriptor: layered on an SVC source or the only
	// encoding; AV1 simulcast encodings are switched as VP8's.
	av1 := v.dd && (svc || len(src.ssrcs) == 1)
	var st *codec.DDStructure
	if av1 {
		st = src.ddStructure(route.enc)
	}
	projs := e.fwd.projections(src, list, e.down)
	for i, r := range *list {
		p := projs[i]
		if p == nil || !r.ready() {
			continue
		}
		if !r.accepts(pt, kindVideo) {
			e.b.counters.codecDrops.Add(1)
			continue
		}
		t := r.alloc.Load().target(src.primary)
		t.enc = src.activeAtOrBelow(t.enc, now)
		var out projected
		var fwd, wait bool
		switch {
		case av1:
			out, fwd = p.projectAV1(seq, ts, route.enc, &v, st, t, now)
			wait = p.needsAV1Keyframe(t, st)
		case svc:
			out, fwd = p.projectSVC(seq, ts, route.enc, &v, t, now)
			wait = p.needsSVCKeyframe(t)
		default:
			out, fwd = p.project(seq, ts, route.enc, &v, t, now)
			wait = p.needsKeyframe(t)
		}
		if wait {
			e.askKeyframe(src.ssrcOf(t.enc), now)
		}
		if fwd && r.sendRTP(e.fwd.projected(pkt, src.primary, out, &v)) {
			p.cache.put(route.enc, seq, out, &v)
			p.packets++
			p.octets += uint32(end - start)
			e.b.counters.forwarded.Add(1)
		}
	}
}

// skipAll drops a packet without a readable payload (padding) for every
// receiver currently projected from its encoding.
func (e *endpoint) skipAll(list []*downlink, primary uint32, enc int8, seq uint16) {
	for _, r := range list {
		if p := e.fwd.proj[projKey{r, primary}]; p != nil && p.cur == enc {
			p.skip(seq)
		}
	}
}

// askKeyframe sends this endpoint a PLI for one of its encodings, limited
// to one per SSRC every 200 ms.
func (e *endpoint) askKeyframe(ssrc uint32, now time.Time) {
	if e.conf.allowKeyframeRequest(ssrc, now) {
		e.sendPLI(e.conf.videoSSRC, ssrc)
	}
}

// projected copies pkt into the forwarder's scratch buffer with the
// projected header: the source's primary SSRC, sequence number, timestamp,
// PictureID and TL0PICIDX. The copy is valid until the next call.
func (f *forwarder) projected(pkt []byte, ssrc uint32, out projected, v *vp8Info) []byte {
	d := append(f.outBuf[:0], pkt...)
	rewriteHeader(d, ssrc, out, v)
	f.outBuf = d[:0]
	if out.adt {
		return f.withActiveTargets(d, v, out.mask)
	}
	return d
}

// copied copies pkt into the forwarder's scratch buffer (a receiver may
// rewrite what it is handed), valid until the next call.
func (f *forwarder) copied(pkt []byte) []byte {
	d := append(f.outBuf[:0], pkt...)
	f.outBuf = d[:0]
	return d
}

// rewriteHeader writes a projection into a copy of the input packet.
func rewriteHeader(d []byte, ssrc uint32, out projected, v *vp8Info) {
	binary.BigEndian.PutUint16(d[2:], out.seq)
	binary.BigEndian.PutUint32(d[4:], out.ts)
	binary.BigEndian.PutUint32(d[8:], ssrc)
	v.writePictureID(d, out.pid)
	v.writeTL0(d, out.tl0)
	if out.marker {
		d[1] |= 0x80
	}
}

// translateSR passes a sender report of a simulcast encoding to each
// receiver currently projected from it, on the primary SSRC with the
// projection's timestamp shift and the counts the bridge sent.
func (e *endpoint) translateSR(sr *rtcp.SenderReport, route ssrcRoute) {
	for _, r := range e.conf.receivers() {
		p := e.fwd.proj[projKey{r, route.src.primary}]
		if r == e.down || p == nil || !p.started || p.cur != route.enc || !r.ready() {
			continue
		}
		e.fwd.rtcpBuf = appendSR(e.fwd.rtcpBuf[:0], route.src.primary, sr.NTPTime, sr.RTPTime+p.tsDelta, p.packets, p.octets)
		if r.out.SendRTCP(e.fwd.rtcpBuf) {
			e.b.counters.rtcpRelayed.Add(1)
		}
	}
}
