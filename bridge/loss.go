package bridge

import (
	"time"

	"github.com/pion/rtcp"
)

// Uplink loss repair (docs/media.md#loss-repair): the bridge NACKs what a sender's
// simulcast encodings lose on the way to it, every nackInterval, at most
// nackTries times per packet and not for packets older than nackMaxAge.
const (
	nackInterval = 150 * time.Millisecond
	nackTries    = 10
	nackMaxAge   = time.Second
	nackMaxGap   = 100 // a bigger jump is a restart, not loss
	nackMaxOpen  = 64  // missing packets tracked per stream
	nackTick     = 20 * time.Millisecond
)

// missing is one packet the bridge waits for.
type missing struct {
	seq   uint16
	tries uint8
	since time.Time
	next  time.Time
}

// seqTrack follows one incoming stream's sequence numbers.
type seqTrack struct {
	started bool
	highest uint16
	open    []missing
}

// lossTracker finds a sender's lost packets. Reader goroutine only.
type lossTracker struct {
	streams map[uint32]*seqTrack
	lastRun time.Time
	seqs    []uint16 // scratch
}

func newLossTracker() *lossTracker { return &lossTracker{streams: map[uint32]*seqTrack{}} }

// received notes an arrival (original or retransmission) and returns how
// many packets it shows missing.
func (l *lossTracker) received(ssrc uint32, seq uint16, now time.Time) int {
	t := l.streams[ssrc]
	if t == nil {
		if len(l.streams) >= 64 {
			clear(l.streams)
		}
		t = &seqTrack{}
		l.streams[ssrc] = t
	}
	switch {
	case !t.started || seq-t.highest > nackMaxGap && seqLess(t.highest, seq):
		t.started, t.highest, t.open = true, seq, t.open[:0]
	case seqLess(t.highest, seq):
		gap := int(seq - t.highest - 1)
		for s := t.highest + 1; s != seq && len(t.open) < nackMaxOpen; s++ {
			t.open = append(t.open, missing{seq: s, since: now, next: now})
		}
		t.highest = seq
		return gap
	default:
		for i := range t.open {
			if t.open[i].seq == seq {
				t.open = append(t.open[:i], t.open[i+1:]...)
				break
			}
		}
	}
	return 0
}

// repaired reports whether seq was missing on the stream (and no longer
// is): a retransmission of anything else repeats a packet already had.
func (l *lossTracker) repaired(ssrc uint32, seq uint16) bool {
	t := l.streams[ssrc]
	if t == nil {
		return false
	}
	for i := range t.open {
		if t.open[i].seq == seq {
			t.open = append(t.open[:i], t.open[i+1:]...)
			return true
		}
	}
	return false
}

// due returns the NACKs to send now (nil when nothing is due).
func (l *lossTracker) due(senderSSRC uint32, now time.Time) []rtcp.Packet {
	if now.Sub(l.lastRun) < nackTick {
		return nil
	}
	l.lastRun = now
	var out []rtcp.Packet
	for ssrc, t := range l.streams {
		l.seqs = l.seqs[:0]
		keep := t.open[:0]
		for _, m := range t.open {
			if m.tries >= nackTries || now.Sub(m.since) > nackMaxAge {
				continue
			}
			if !now.Before(m.next) {
				m.tries++
				m.next = now.Add(nackInterval)
				l.seqs = append(l.seqs, m.seq)
			}
			keep = append(keep, m)
		}
		t.open = keep
		if len(l.seqs) > 0 {
			out = append(out, &rtcp.TransportLayerNack{SenderSSRC: senderSSRC, MediaSSRC: ssrc,
				Nacks: rtcp.NackPairsFromSequenceNumbers(l.seqs)})
		}
	}
	return out
}
