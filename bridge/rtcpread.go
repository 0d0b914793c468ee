package bridge

import (
	"encoding/binary"
	"math"
	"time"

	"github.com/pion/rtcp"
)

// Reading incoming compound RTCP without allocating (issue 15: zero
// allocations for incoming RTCP as for forwarded packets). The packets the
// bridge acts on — sender reports, PLI, FIR, generic NACK and
// transport-wide feedback — are read from the plaintext in place (into
// per-reader scratch values of pion/rtcp's types where a handler takes
// one); the others are skipped. A compound packet any of whose packets is
// malformed is dropped whole, as pion's Unmarshal drops it.

// RTCP packet types and feedback formats read here (RFC 3550, 4585, 5104,
// draft-holmer-rmcat-transport-wide-cc-extensions-01).
const (
	rtcpSR       = 200
	rtcpRTPFB    = 205
	rtcpPSFB     = 206
	fmtNACK      = 1
	fmtTWCC      = 15
	fmtPLI       = 1
	fmtFIR       = 4
	rtcpMinSR    = 28
	rtcpMinFB    = 12
	twccChunkOff = 20 // first packet status chunk of a transport-cc packet
)

// rtcpScratch holds what the reader decodes RTCP into; reader goroutine
// only.
type rtcpScratch struct {
	sr   rtcp.SenderReport
	nack rtcp.TransportLayerNack
}

// eachRTCP calls fn with the type, format (report count) and bytes of
// every packet of a compound RTCP packet; it reports false, without
// calling fn, when the compound packet is malformed.
func eachRTCP(b []byte, fn func(pt, format uint8, p []byte)) bool {
	if !validRTCP(b) {
		return false
	}
	for len(b) > 0 {
		n := 4 * (int(binary.BigEndian.Uint16(b[2:])) + 1)
		fn(b[1], b[0]&0x1F, b[:n])
		b = b[n:]
	}
	return true
}

// validRTCP checks a compound packet's headers and the packets read here.
func validRTCP(b []byte) bool {
	if len(b) == 0 {
		return false
	}
	for len(b) > 0 {
		if len(b) < 4 || b[0]>>6 != 2 {
			return false
		}
		n := 4 * (int(binary.BigEndian.Uint16(b[2:])) + 1)
		if n > len(b) || !validPacket(b[1], b[0]&0x1F, b[:n]) {
			return false
		}
		b = b[n:]
	}
	return true
}

// validPacket checks the length of a packet the bridge reads.
func validPacket(pt, format uint8, p []byte) bool {
	switch {
	case pt == rtcpSR:
		return len(p) >= rtcpMinSR+24*int(format)
	case pt == rtcpPSFB && (format == fmtPLI || format == fmtFIR):
		return len(p) >= rtcpMinFB
	case pt == rtcpRTPFB && format == fmtNACK:
		return len(p) >= rtcpMinFB
	case pt == rtcpRTPFB && format == fmtTWCC:
		return walkRawFeedback(p, nil)
	}
	return true
}

// handleRTCP acts on one plaintext compound RTCP packet from the endpoint:
// keyframe requests and NACKs to the media owner, sender reports to
// receivers, transport-cc feedback into the estimator.
func (e *endpoint) handleRTCP(b []byte) bool {
	return eachRTCP(b, e.handlePacket)
}

func (e *endpoint) handlePacket(pt, format uint8, p []byte) {
	switch {
	case pt == rtcpSR:
		sr := &e.fwd.rtcpIn.sr
		sr.SSRC, sr.NTPTime = binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint64(p[8:])
		sr.RTPTime, sr.PacketCount = binary.BigEndian.Uint32(p[16:]), binary.BigEndian.Uint32(p[20:])
		sr.OctetCount = binary.BigEndian.Uint32(p[24:])
		e.relayRTCP(sr)
	case pt == rtcpPSFB && format == fmtPLI:
		e.conf.requestKeyframe(e.down, binary.BigEndian.Uint32(p[8:]))
	case pt == rtcpPSFB && format == fmtFIR:
		for f := p[12:]; len(f) >= 8; f = f[8:] {
			e.conf.requestKeyframe(e.down, binary.BigEndian.Uint32(f))
		}
	case pt == rtcpRTPFB && format == fmtNACK:
		n := &e.fwd.rtcpIn.nack
		n.SenderSSRC, n.MediaSSRC, n.Nacks = binary.BigEndian.Uint32(p[4:]), binary.BigEndian.Uint32(p[8:]), n.Nacks[:0]
		for f := p[12:]; len(f) >= 4; f = f[4:] {
			n.Nacks = append(n.Nacks, rtcp.NackPair{PacketID: binary.BigEndian.Uint16(f), LostPackets: rtcp.PacketBitmap(binary.BigEndian.Uint16(f[2:]))})
		}
		e.relayNack(n)
	case pt == rtcpRTPFB && format == fmtTWCC:
		a := batchAcc{log: &e.sent, b: feedbackBatch{minOWD: math.Inf(1)}}
		walkRawFeedback(p, a.add)
		e.onFeedbackBatch(a.done(), time.Now())
	}
}

// walkRawFeedback calls fn (when not nil) for every packet status of a
// transport-cc feedback packet p, as walkFeedback does for pion's parse of
// it, and reports whether p is well formed (by pion's rules: every status
// chunk before the end of the packet, a delta for every received status).
func walkRawFeedback(p []byte, fn func(seq uint16, received bool, arrival int64)) bool {
	if len(p) < twccChunkOff {
		return false
	}
	seq, count := binary.BigEndian.Uint16(p[12:]), int(binary.BigEndian.Uint16(p[14:]))
	t := int64(uint32(p[16])<<16|uint32(p[17])<<8|uint32(p[18])) * 64000
	// First pass: the chunks, to find where the deltas start.
	pos, done := twccChunkOff, 0
	for done < count {
		if pos+2 >= len(p) {
			return false
		}
		done += min(count-done, chunkSymbols(binary.BigEndian.Uint16(p[pos:])))
		pos += 2
	}
	deltas, left := pos, count
	for c := twccChunkOff; c < pos; c += 2 {
		chunk := binary.BigEndian.Uint16(p[c:])
		for i := range min(left, chunkSymbols(chunk)) {
			sym := chunkSymbol(chunk, i)
			switch {
			case sym == rtcp.TypeTCCPacketReceivedSmallDelta && deltas < len(p):
				t += 250 * int64(p[deltas])
				deltas++
			case sym == rtcp.TypeTCCPacketReceivedLargeDelta && deltas+1 < len(p):
				t += 250 * int64(int16(binary.BigEndian.Uint16(p[deltas:])))
				deltas += 2
			case sym == rtcp.TypeTCCPacketReceivedSmallDelta || sym == rtcp.TypeTCCPacketReceivedLargeDelta:
				return false // its delta is missing
			default:
				if fn != nil {
					fn(seq, false, 0)
				}
				seq++
				continue
			}
			if fn != nil {
				fn(seq, true, t)
			}
			seq++
		}
		left -= min(left, chunkSymbols(chunk))
	}
	return true
}

// chunkSymbols is the number of packet statuses a status chunk holds: a
// run length (T=0), 14 one-bit or 7 two-bit symbols (T=1, S).
func chunkSymbols(c uint16) int {
	switch {
	case c&0x8000 == 0:
		return int(c & 0x1FFF)
	case c&0x4000 == 0:
		return 14
	}
	return 7
}

// chunkSymbol is status i of a chunk.
func chunkSymbol(c uint16, i int) uint16 {
	switch {
	case c&0x8000 == 0:
		return c >> 13 & 3
	case c&0x4000 == 0:
		return c >> (13 - i) & 1
	}
	return c >> (12 - 2*i) & 3
}
