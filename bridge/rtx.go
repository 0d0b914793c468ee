package bridge

import (
	"encoding/binary"
	"time"

	"github.com/pion/rtcp"
)

// rtpHeaderLen is the length of a packet's RTP header with CSRCs and
// extensions; 0 when malformed.
func rtpHeaderLen(pkt []byte) int {
	if len(pkt) < 12 {
		return 0
	}
	n := 12 + 4*int(pkt[0]&0x0F)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < n+4 {
			return 0
		}
		n += 4 + 4*int(binary.BigEndian.Uint16(pkt[n+2:]))
	}
	if n > len(pkt) {
		return 0
	}
	return n
}

// maxRetransmitPerNack bounds the work one NACK packet can cause
// (docs/bad-input.md#m6: a NACK for 10 000 sequence numbers).
const maxRetransmitPerNack = 128

// answerNack retransmits from e's cache of a projected stream what the
// receiver e reports lost, RTX-encapsulated (RFC 4588) on the RTX SSRC it
// knows (the FID partner of the primary) when there is one.
func (e *endpoint) answerNack(n *rtcp.TransportLayerNack, src *videoSource) {
	cache := e.down.cacheOf(src.primary)
	if cache == nil {
		return
	}
	tbl := e.ingress.Load()
	budget := maxRetransmitPerNack
	for _, pair := range n.Nacks {
		pair.Range(func(seq uint16) bool {
			if budget == 0 {
				return false
			}
			budget--
			e.retransmit(cache, tbl, src, seq)
			return true
		})
	}
}

// retransmit sends the receiver, from the cache, the packet it was sent
// with sequence number seq (RTX-encapsulated when it negotiated RTX).
func (e *endpoint) retransmit(cache *packetCache, tbl *ingressTable, src *videoSource, seq uint16) {
	p := e.b.getPacket()
	pkt, ok := cache.get(seq, p.data)
	if !ok {
		e.b.bufs.Put(p)
		return
	}
	p.data, p.rtcp = pkt, false
	if rtxPT := tbl.rtxOf[pkt[1]&0x7F]; src.rtx[0] != 0 && rtxPT != 0 {
		p.data = encapsulateRTX(pkt, src.rtx[0], rtxPT, cache.nextRTXSeq())
	}
	if e.push(p) {
		e.b.counters.retransmitted.Add(1)
		e.meter.retransmitted.Add(1)
	}
}

// encapsulateRTX turns pkt, in place, into its RTX form: RTX SSRC and
// payload type, RTX sequence number, the original sequence number in
// front of the payload, no padding.
func encapsulateRTX(pkt []byte, ssrc uint32, pt uint8, seq uint16) []byte {
	start, end, ok := rtpPayload(pkt)
	if !ok || end+2 > cap(pkt) {
		return pkt
	}
	osn := binary.BigEndian.Uint16(pkt[2:])
	out := pkt[:end+2]
	copy(out[start+2:], pkt[start:end])
	binary.BigEndian.PutUint16(out[start:], osn)
	out[0] &^= 0x20
	out[1] = out[1]&0x80 | pt&0x7F
	binary.BigEndian.PutUint16(out[2:], seq)
	binary.BigEndian.PutUint32(out[8:], ssrc)
	return out
}

// decapsulateRTX restores, into dst, the original packet of an RTX packet
// from a sender: media SSRC and payload type, original sequence number.
func decapsulateRTX(dst, pkt []byte, ssrc uint32, pt uint8) ([]byte, bool) {
	start, end, ok := rtpPayload(pkt)
	if !ok || end-start < 3 || pt == 0 {
		return dst, false // padding-only probe or empty
	}
	out := append(dst[:0], pkt[:start]...)
	out = append(out, pkt[start+2:end]...)
	out[0] &^= 0x20
	out[1] = out[1]&0x80 | pt&0x7F
	copy(out[2:4], pkt[start:start+2])
	binary.BigEndian.PutUint32(out[8:], ssrc)
	return out, true
}

// forwardRTX handles a sender's retransmission of a simulcast encoding:
// the original packet of one the bridge misses goes through the projection
// like a late arrival; other retransmissions are dropped.
func (e *endpoint) forwardRTX(pkt []byte, route ssrcRoute, now time.Time) {
	src := route.src
	orig, ok := decapsulateRTX(e.fwd.rtxBuf, pkt, src.ssrcs[route.enc], e.ingress.Load().aptOf[pkt[1]&0x7F])
	if !ok {
		return
	}
	e.fwd.rtxBuf = orig[:0]
	if !e.loss.repaired(src.ssrcs[route.enc], binary.BigEndian.Uint16(orig[2:])) {
		// Not a packet the bridge misses (Chromium's RTX padding probes
		// resend packets already forwarded): forwarding it would give the
		// receivers an (SSRC, sequence number) twice, which SRTP rejects as
		// a replay and transport-cc then reports lost.
		return
	}
	media := route
	media.rtx = false
	e.forwardVideo(orig, media, now)
}
