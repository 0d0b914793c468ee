package bridge

import (
	"encoding/binary"
	"sync"
)

// cacheSlots is how many packets a stream's cache keeps (about one second
// of a 2.5 Mbit/s encoding).
const cacheSlots = 256

// cachedPacket is one slot of a packetCache.
type cachedPacket struct {
	seq  uint16
	n    int
	data [maxDatagram]byte
}

// packetCache keeps the last packets sent to one receiver on one projected
// stream (plaintext, as sent) to answer its NACKs. The sender's reader
// writes, the receiver's reader reads.
type packetCache struct {
	mu     sync.Mutex
	slots  [cacheSlots]cachedPacket
	rtxSeq uint16 // sequence numbers of retransmissions on the RTX SSRC
}

// put stores a packet; it overwrites the slot of a packet 256 older.
func (c *packetCache) put(pkt []byte) {
	if len(pkt) < 12 || len(pkt) > maxDatagram {
		return
	}
	seq := binary.BigEndian.Uint16(pkt[2:])
	c.mu.Lock()
	s := &c.slots[seq%cacheSlots]
	s.seq, s.n = seq, copy(s.data[:], pkt)
	c.mu.Unlock()
}

// get copies the packet with sequence number seq into dst.
func (c *packetCache) get(seq uint16, dst []byte) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	s := &c.slots[seq%cacheSlots]
	if s.n == 0 || s.seq != seq {
		return dst, false
	}
	return append(dst[:0], s.data[:s.n]...), true
}

// nextRTXSeq numbers one retransmission.
func (c *packetCache) nextRTXSeq() uint16 {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.rtxSeq++
	return c.rtxSeq
}

// cacheFor returns (creating) the cache of a projected stream towards e.
func (e *endpoint) cacheFor(primary uint32) *packetCache {
	e.cacheMu.Lock()
	defer e.cacheMu.Unlock()
	if e.caches == nil {
		e.caches = map[uint32]*packetCache{}
	}
	c := e.caches[primary]
	if c == nil {
		c = &packetCache{}
		e.caches[primary] = c
	}
	return c
}

// cacheOf returns the cache of a projected stream towards e, or nil.
func (e *endpoint) cacheOf(primary uint32) *packetCache {
	e.cacheMu.Lock()
	defer e.cacheMu.Unlock()
	return e.caches[primary]
}
