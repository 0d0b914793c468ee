package bridge

import (
	"time"

	"github.com/pion/rtcp"
)

// Receiver reports to senders (docs/media.md#rtcp): RTCP is terminated at the
// bridge, so it reports itself what it receives, every rrInterval, with
// the LSR/DLSR of the sender's last SR so the sender can measure RTT.
const (
	rrInterval   = 500 * time.Millisecond
	rrMaxStreams = 32
)

// rrStream is the reception state of one incoming SSRC (RFC 3550 A.3).
type rrStream struct {
	started       bool
	base, maxExt  uint32 // extended sequence numbers
	received      uint32
	priorExpected uint32
	priorReceived uint32
	lsr           uint32 // middle 32 bits of the last SR's NTP time
	lsrAt         time.Time
}

// receptionStats keeps an endpoint's rrStreams. Reader goroutine only.
type receptionStats struct {
	streams map[uint32]*rrStream
	last    time.Time
	reports []rtcp.ReceptionReport // scratch
	buf     []byte                 // the marshalled report
}

func newReceptionStats() *receptionStats {
	return &receptionStats{streams: map[uint32]*rrStream{}}
}

// packet notes one received RTP packet.
func (r *receptionStats) packet(ssrc uint32, seq uint16) {
	s := r.streams[ssrc]
	if s == nil {
		if len(r.streams) >= rrMaxStreams {
			return
		}
		s = &rrStream{}
		r.streams[ssrc] = s
	}
	if !s.started {
		s.started, s.base, s.maxExt = true, uint32(seq), uint32(seq)
	}
	ext := s.maxExt&^0xFFFF | uint32(seq)
	switch {
	case seqLess(uint16(s.maxExt), seq) && ext < s.maxExt:
		ext += 1 << 16 // wrapped forward
	case !seqLess(uint16(s.maxExt), seq) && ext > s.maxExt && ext >= 1<<16:
		ext -= 1 << 16 // late packet from before a wrap
	}
	s.maxExt = max(s.maxExt, ext)
	s.received++
}

// senderReport notes a sender report for LSR/DLSR.
func (r *receptionStats) senderReport(ssrc uint32, ntp uint64, now time.Time) {
	if s := r.streams[ssrc]; s != nil {
		s.lsr, s.lsrAt = uint32(ntp>>16), now
	}
}

// due returns the marshalled receiver report to send now (valid until the
// next call), or nil.
func (r *receptionStats) due(senderSSRC uint32, now time.Time) []byte {
	if now.Sub(r.last) < rrInterval || len(r.streams) == 0 {
		return nil
	}
	r.last = now
	if r.buf == nil { // full size at once: no growth in the steady state
		r.reports = make([]rtcp.ReceptionReport, 0, 31)
		r.buf = make([]byte, 0, 8+24*31)
	}
	r.reports = r.reports[:0]
	for ssrc, s := range r.streams {
		if len(r.reports) == 31 {
			break
		}
		r.reports = append(r.reports, s.report(ssrc, now))
	}
	r.buf = appendRR(r.buf[:0], senderSSRC, r.reports)
	return r.buf
}

// report is one reception report block.
func (s *rrStream) report(ssrc uint32, now time.Time) rtcp.ReceptionReport {
	expected := s.maxExt - s.base + 1
	lost := int64(expected) - int64(s.received)
	dExp, dRecv := expected-s.priorExpected, s.received-s.priorReceived
	s.priorExpected, s.priorReceived = expected, s.received
	var fraction uint8
	if dExp > 0 && dRecv < dExp {
		fraction = uint8((dExp - dRecv) << 8 / dExp)
	}
	rep := rtcp.ReceptionReport{SSRC: ssrc, FractionLost: fraction,
		TotalLost: uint32(min(max(lost, 0), 0x7FFFFF)), LastSequenceNumber: s.maxExt, LastSenderReport: s.lsr}
	if !s.lsrAt.IsZero() {
		rep.Delay = uint32(now.Sub(s.lsrAt).Seconds() * 65536)
	}
	return rep
}
