package recording

import (
	"encoding/binary"
	"sync/atomic"
	"time"
)

// captureSlots bounds the packets waiting for the spool writer (about 3 s
// of a two-person call); when full, packets are dropped and counted.
const captureSlots = 2048

// slot is one captured packet.
type slot struct {
	buf  [1500]byte
	n    int
	rtcp bool
	at   time.Time
}

// capture is the non-blocking hand-off from the bridge's reader
// goroutines to the spool writer: a free list of preallocated slots, so
// the hot path neither allocates nor blocks.
type capture struct {
	free    chan *slot
	full    chan *slot
	closed  atomic.Bool
	dropped atomic.Int64
}

func newCapture() *capture {
	c := &capture{free: make(chan *slot, captureSlots), full: make(chan *slot, captureSlots)}
	for range captureSlots {
		c.free <- &slot{}
	}
	return c
}

// put copies pkt into a free slot; false when closed, full or oversized.
func (c *capture) put(pkt []byte, rtcp bool) bool {
	if c.closed.Load() || len(pkt) > 1500 || len(pkt) < 8 {
		return false
	}
	var s *slot
	select {
	case s = <-c.free:
	default:
		c.dropped.Add(1)
		return false
	}
	s.n = copy(s.buf[:], pkt)
	s.rtcp, s.at = rtcp, time.Now()
	c.full <- s // never blocks: at most captureSlots slots exist
	return true
}

// release returns a slot to the free list.
func (c *capture) release(s *slot) { c.free <- s }

// rtpSSRC reads the SSRC of an RTP packet (RFC 3550 §5.1).
func rtpSSRC(b []byte) uint32 { return binary.BigEndian.Uint32(b[8:12]) }
