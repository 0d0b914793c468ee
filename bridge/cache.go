package bridge

import (
	"encoding/binary"
	"sync"
)

// cacheSlots is how many packets are kept per encoding and per receiver
// stream (about one second of a 2.5 Mbit/s encoding).
const cacheSlots = 256

// cachedPacket is one slot of a sourceCache.
type cachedPacket struct {
	seq  uint16
	n    int
	data [maxDatagram]byte
}

// sourceCache keeps the last packets of each encoding of a video source as
// received (one copy per packet whatever the number of receivers). The
// sender's reader writes, receivers' readers read when answering NACKs.
type sourceCache struct {
	mu    sync.Mutex
	slots [maxEncodings]*[cacheSlots]cachedPacket
}

// put stores a packet of encoding enc.
func (c *sourceCache) put(enc int8, pkt []byte) {
	if len(pkt) < 12 || len(pkt) > maxDatagram || enc < 0 || int(enc) >= maxEncodings {
		return
	}
	seq := binary.BigEndian.Uint16(pkt[2:])
	c.mu.Lock()
	if c.slots[enc] == nil {
		c.slots[enc] = new([cacheSlots]cachedPacket)
	}
	s := &c.slots[enc][seq%cacheSlots]
	s.seq, s.n = seq, copy(s.data[:], pkt)
	c.mu.Unlock()
}

// get copies packet seq of encoding enc into dst.
func (c *sourceCache) get(enc int8, seq uint16, dst []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if enc < 0 || int(enc) >= maxEncodings || c.slots[enc] == nil {
		return dst, false
	}
	s := &c.slots[enc][seq%cacheSlots]
	if s.n == 0 || s.seq != seq {
		return dst, false
	}
	return append(dst[:0], s.data[:s.n]...), true
}

// sentRecord is how one packet was projected to a receiver.
type sentRecord struct {
	valid bool
	enc   int8
	in    uint16 // input sequence number
	out   projected
	at    fieldsAt
}

// fieldsAt is where a packet's rewritten payload fields are (the picture
// ID, TL0PICIDX, AV1 frame number), so that a retransmission rewrites the
// same bytes without parsing the payload again.
type fieldsAt struct {
	pid, tl0       uint16
	pidLong, pid16 bool
}

// packetCache remembers what one receiver was sent on one projected stream
// (the projection of each packet, the packets themselves are in the
// source's cache) to answer its NACKs. The sender's reader writes, the
// receiver's reader reads.
type packetCache struct {
	mu     sync.Mutex
	src    *videoSource
	recs   [cacheSlots]sentRecord
	rtxSeq uint16 // sequence numbers of retransmissions and probes on the RTX SSRC
}

// put records the projection of a forwarded packet.
func (c *packetCache) put(enc int8, in uint16, out projected, v *vp8Info) {
	at := fieldsAt{pid: uint16(v.pidOff), tl0: uint16(v.tl0Off), pidLong: v.pidLong, pid16: v.pid16}
	c.mu.Lock()
	c.recs[out.seq%cacheSlots] = sentRecord{valid: true, enc: enc, in: in, out: out, at: at}
	c.mu.Unlock()
}

// get rebuilds, into dst, the packet sent with sequence number seq.
func (c *packetCache) get(seq uint16, dst []byte) ([]byte, bool) {
	c.mu.Lock()
	r := c.recs[seq%cacheSlots]
	c.mu.Unlock()
	if !r.valid || r.out.seq != seq || c.src == nil {
		return dst, false
	}
	pkt, ok := c.src.cache.get(r.enc, r.in, dst)
	if !ok {
		return dst, false
	}
	v := vp8Info{pidOff: int(r.at.pid), tl0Off: int(r.at.tl0), pidLong: r.at.pidLong, pid16: r.at.pid16}
	width := 1
	if v.pidLong || v.pid16 {
		width = 2
	}
	if len(pkt) < 12 || v.pidOff+width > len(pkt) || v.tl0Off >= len(pkt) {
		return dst, false
	}
	rewriteHeader(pkt, c.src.primary, r.out, &v)
	return pkt, true
}

// nextRTXSeq numbers one retransmission or probe.
func (c *packetCache) nextRTXSeq() uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rtxSeq++
	return c.rtxSeq
}
