package bridge

import (
	"encoding/binary"
	"slices"
	"time"
)

// Transport-wide congestion-control feedback (draft-holmer-rmcat-
// transport-wide-cc-extensions-01 §3.1) for one sender, so its bandwidth
// estimate can grow. Every twccInterval, or when twccMaxArrivals packets
// are waiting, the arrivals since the previous feedback are reported in
// one feedback packet, marshalled into a reused buffer.
const (
	twccInterval    = 100 * time.Millisecond
	twccMaxArrivals = 256  // arrivals per feedback packet
	twccMaxSpan     = 1000 // sequence numbers per feedback packet
	twccDeltaUnit   = 250  // µs
	twccRefUnit     = 64000
)

// twccArrival is one received packet: unwrapped transport-wide sequence
// number and arrival time (µs since the state's start).
type twccArrival struct {
	seq int64
	at  int64
}

// twccState collects a sender's arrivals. Reader goroutine only.
type twccState struct {
	senderSSRC uint32
	mediaSSRC  uint32
	start      time.Time
	last       time.Time
	arrivals   []twccArrival
	next       int64   // the first sequence number the next feedback may report
	highest    int64   // unwrapped, -1 before the first packet
	count      uint8   // feedback packet count
	syms       []uint8 // scratch: packet status symbols
	deltas     []byte  // scratch: receive deltas
	buf        []byte
}

func newTWCCState(senderSSRC uint32) *twccState {
	now := time.Now()
	return &twccState{senderSSRC: senderSSRC, start: now, last: now, highest: -1}
}

// record notes one arrival; when feedback is due it returns the marshalled
// feedback packet (valid until the next call).
func (t *twccState) record(ssrc uint32, seq uint16, now time.Time) []byte {
	t.mediaSSRC = ssrc
	if t.arrivals == nil { // first media packet: endpoints that only receive never get here
		t.arrivals = make([]twccArrival, 0, twccMaxArrivals)
	}
	u := t.unwrap(seq)
	t.arrivals = append(t.arrivals, twccArrival{seq: u, at: now.Sub(t.start).Microseconds()})
	if now.Sub(t.last) < twccInterval && len(t.arrivals) < twccMaxArrivals {
		return nil
	}
	t.last = now
	return t.build()
}

// unwrap extends seq to 64 bits next to the highest seen so far.
func (t *twccState) unwrap(seq uint16) int64 {
	if t.highest < 0 {
		t.highest = int64(seq)
		t.next = t.highest
		return t.highest
	}
	u := t.highest + int64(int16(seq-uint16(t.highest)))
	t.highest = max(t.highest, u)
	return u
}

// build marshals one feedback packet for the oldest waiting arrivals and
// keeps what did not fit; nil when nothing can be reported.
func (t *twccState) build() []byte {
	slices.SortStableFunc(t.arrivals, func(a, b twccArrival) int { return int(a.seq - b.seq) })
	t.arrivals = slices.CompactFunc(t.arrivals, func(a, b twccArrival) bool { return a.seq == b.seq })
	late := 0
	for late < len(t.arrivals) && t.arrivals[late].seq < t.next {
		late++ // already reported as lost
	}
	t.arrivals = append(t.arrivals[:0], t.arrivals[late:]...)
	if len(t.arrivals) == 0 {
		return nil
	}
	if t.buf == nil { // full size at once: no growth in the steady state
		t.syms = make([]uint8, 0, twccMaxSpan)
		t.deltas = make([]byte, 0, 2*twccMaxArrivals)
		t.buf = make([]byte, 0, 24+2*twccMaxSpan/7+2*twccMaxArrivals)
	}
	b, n := t.marshal()
	t.next = t.arrivals[n-1].seq + 1
	t.arrivals = append(t.arrivals[:0], t.arrivals[n:]...)
	t.count++
	t.buf = b
	return b
}

// marshal writes the feedback packet for a prefix of the (sorted)
// arrivals and returns it with the prefix length: it ends before an
// arrival whose delta does not fit 16 bits or that is too far from the
// first.
func (t *twccState) marshal() ([]byte, int) {
	base := t.arrivals[0].seq
	ref := t.arrivals[0].at / twccRefUnit
	b := t.buf[:0]
	b = append(b, 0x80|15, 205, 0, 0)
	b = binary.BigEndian.AppendUint32(b, t.senderSSRC)
	b = binary.BigEndian.AppendUint32(b, t.mediaSSRC)
	b = binary.BigEndian.AppendUint16(b, uint16(base))
	b = append(b, 0, 0) // status count, below
	b = append(b, byte(ref>>16), byte(ref>>8), byte(ref), t.count)
	t.syms, t.deltas = t.syms[:0], t.deltas[:0]
	prev := ref * twccRefUnit / twccDeltaUnit
	n := 0
	for _, a := range t.arrivals {
		q := a.at / twccDeltaUnit
		d := q - prev
		if a.seq-base >= twccMaxSpan || d < -32768 || d > 32767 {
			break
		}
		for s := base + int64(len(t.syms)); s < a.seq; s++ {
			t.syms = append(t.syms, 0) // not received
		}
		if d >= 0 && d <= 255 {
			t.syms = append(t.syms, 1)
			t.deltas = append(t.deltas, byte(d))
		} else {
			t.syms = append(t.syms, 2)
			t.deltas = binary.BigEndian.AppendUint16(t.deltas, uint16(int16(d)))
		}
		prev = q
		n++
	}
	binary.BigEndian.PutUint16(b[14:], uint16(len(t.syms)))
	b = appendChunks(b, t.syms)
	b = append(b, t.deltas...)
	return padRTCP(b), n
}

// appendChunks encodes packet status symbols (0 not received, 1 small
// delta, 2 large delta): a run of 14 or more equal symbols as a run-length
// chunk, the others seven at a time in two-bit status vector chunks.
func appendChunks(b []byte, syms []uint8) []byte {
	for i := 0; i < len(syms); {
		run := 1
		for i+run < len(syms) && syms[i+run] == syms[i] && run < 0x1FFF {
			run++
		}
		if run >= 14 {
			b = binary.BigEndian.AppendUint16(b, uint16(syms[i])<<13|uint16(run))
			i += run
			continue
		}
		c := uint16(0xC000)
		for k := range 7 {
			if i+k < len(syms) {
				c |= uint16(syms[i+k]) << (12 - 2*k)
			}
		}
		b = binary.BigEndian.AppendUint16(b, c)
		i += 7
	}
	return b
}

// padRTCP pads an RTCP packet to 32 bits (RFC 3550 §6.4.1: P bit, the
// last octet counts the padding) and writes its length field.
func padRTCP(b []byte) []byte {
	if pad := (4 - len(b)%4) % 4; pad > 0 {
		for range pad - 1 {
			b = append(b, 0)
		}
		b = append(b, byte(pad))
		b[0] |= 0x20
	}
	binary.BigEndian.PutUint16(b[2:], uint16(len(b)/4-1))
	return b
}
