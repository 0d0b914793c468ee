package bridge

import (
	"time"

	"github.com/pion/rtcp"
)

// Receiver reports to senders (bridge.md §5.12): RTCP is terminated at the
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

// due returns the receiver report to send now, or nil.
func (r *receptionStats) due(senderSSRC uint32, now time.Time) *rtcp.ReceiverReport {
	if now.Sub(r.last) < rrInterval || len(r.streams) == 0 {
		return nil
	}
	r.last = now
	rr := &rtcp.ReceiverReport{SSRC: senderSSRC}
	for ssrc, s := range r.streams {
		if len(rr.Reports) == 31 {
			break
		}
		rr.Reports = append(rr.Reports, s.report(ssrc, now))
	}
	return rr
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
