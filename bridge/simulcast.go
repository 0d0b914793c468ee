package bridge

import (
	"encoding/binary"
	"time"

	"github.com/pion/rtcp"
)

// projKey names the projection of one source towards one receiver.
type projKey struct {
	r       *endpoint
	primary uint32
}

// forwarder holds a sender's projections. Reader goroutine only.
type forwarder struct {
	proj   map[projKey]*projection
	seen   *[]*endpoint // the endpoint list the map was last pruned against
	rtxBuf []byte       // scratch for decapsulated retransmissions
}

func newForwarder() *forwarder {
	return &forwarder{proj: map[projKey]*projection{}, rtxBuf: make([]byte, 0, maxDatagram)}
}

// get returns (creating) the projection of primary towards r.
func (f *forwarder) get(r *endpoint, primary uint32) *projection {
	k := projKey{r, primary}
	p := f.proj[k]
	if p == nil {
		p = newProjection()
		p.cache = r.cacheFor(primary)
		f.proj[k] = p
	}
	return p
}

// prune forgets projections of receivers that left, when the list changed.
func (f *forwarder) prune(list *[]*endpoint) {
	if f.seen == list {
		return
	}
	f.seen = list
	present := make(map[*endpoint]bool, len(*list))
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
	var v vp8Info
	if ok {
		v, ok = parseVP8(pkt, start, end)
	}
	list := e.conf.snapshot.Load()
	e.fwd.prune(list)
	if !ok {
		e.skipAll(*list, src.primary, route.enc, seq)
		return
	}
	src.saw(route.enc, now)
	src.count(route.enc, len(pkt), now)
	if v.keyframe && src.learnHeight(route.enc, v.height) {
		e.conf.reallocate()
	}
	for _, r := range *list {
		if r == e || !r.srtpReady.Load() {
			continue
		}
		t := r.alloc.Load().target(src.primary)
		t.enc = src.activeAtOrBelow(t.enc, now)
		p := e.fwd.get(r, src.primary)
		out, fwd := p.project(seq, ts, route.enc, &v, t, now)
		if p.needsKeyframe(t) {
			e.askKeyframe(src.ssrcs[t.enc], now)
		}
		if fwd && r.enqueueProjected(pkt, src.primary, out, &v, p.cache) {
			p.packets++
			p.octets += uint32(end - start)
			e.b.counters.forwarded.Add(1)
		}
	}
}

// skipAll drops a packet without a VP8 payload (padding) for every
// receiver currently projected from its encoding.
func (e *endpoint) skipAll(list []*endpoint, primary uint32, enc int8, seq uint16) {
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
		e.sendRTCP(&rtcp.PictureLossIndication{SenderSSRC: e.conf.videoSSRC, MediaSSRC: ssrc})
	}
}

// enqueueProjected copies pkt onto the send queue with the projected
// header: the source's primary SSRC, sequence number, timestamp, PictureID
// and TL0PICIDX, and keeps it in cache for retransmission. It reports
// false (counted) when the queue is full.
func (e *endpoint) enqueueProjected(pkt []byte, ssrc uint32, out projected, v *vp8Info, cache *packetCache) bool {
	p := e.b.getPacket()
	d := append(p.data[:0], pkt...)
	binary.BigEndian.PutUint16(d[2:], out.seq)
	binary.BigEndian.PutUint32(d[4:], out.ts)
	binary.BigEndian.PutUint32(d[8:], ssrc)
	v.writePictureID(d, out.pid)
	v.writeTL0(d, out.tl0)
	p.data, p.rtcp = d, false
	cache.put(d)
	return e.push(p)
}

// translateSR passes a sender report of a simulcast encoding to each
// receiver currently projected from it, on the primary SSRC with the
// projection's timestamp shift and the counts the bridge sent.
func (e *endpoint) translateSR(sr *rtcp.SenderReport, route ssrcRoute) {
	for _, r := range e.conf.list() {
		p := e.fwd.proj[projKey{r, route.src.primary}]
		if r == e || p == nil || !p.started || p.cur != route.enc || !r.srtpReady.Load() {
			continue
		}
		r.sendRTCP(&rtcp.SenderReport{SSRC: route.src.primary, NTPTime: sr.NTPTime,
			RTPTime: sr.RTPTime + p.tsDelta, PacketCount: p.packets, OctetCount: p.octets})
	}
}
