package bridge

import "encoding/binary"

// Silent audio is not forwarded to receivers (docs/media.md#silence), as
// Jitsi Videobridge does by default: a packet whose ssrc-audio-level
// extension (RFC 6464) says 127, digital silence, is dropped once the
// sender has been silent for more than silenceKept packets in a row. The
// first silent packets after sound still go, so the receiver's decoder
// settles into silence (comfort noise, DTX) instead of concealing a cut.
// Dropped packets are hidden from receivers by renumbering: every later
// packet of the stream goes out with its sequence number lowered by the
// count dropped so far, so a receiver sees no gap, counts no loss and has
// nothing to NACK. RTP timestamps are left alone (the jitter buffer sees
// the pause as time, as it does with DTX). Packets without the extension
// are always forwarded.
const (
	silentLevel = 127 // RFC 6464: -127 dBov, digital silence
	silenceKept = 4   // silent packets forwarded after sound before dropping
)

// silenceFilter is the drop decision and renumbering for one sender's
// audio stream. Used only by the sender's reader goroutine.
type silenceFilter struct {
	ssrc    uint32
	run     int    // silent packets in a row so far
	dropped uint16 // packets dropped so far (mod 2^16)
}

// drop reports whether a packet of ssrc with audio level lvl (ok: the
// packet carried one) is silence the receivers need not get, and counts it.
func (f *silenceFilter) drop(ssrc uint32, lvl uint8, ok bool) bool {
	if ssrc != f.ssrc {
		*f = silenceFilter{ssrc: ssrc}
	}
	if !ok || lvl < silentLevel {
		f.run = 0
		return false
	}
	if f.run < silenceKept {
		f.run++
		return false
	}
	f.dropped++
	return true
}

// renumber writes a forwarded packet's sequence number as receivers see it
// into pkt, a copy the caller owns.
func (f *silenceFilter) renumber(pkt []byte) {
	if f.dropped == 0 || binary.BigEndian.Uint32(pkt[8:]) != f.ssrc {
		return
	}
	binary.BigEndian.PutUint16(pkt[2:], binary.BigEndian.Uint16(pkt[2:])-f.dropped)
}

// dropSilence is silenceFilter.drop for a packet of e's audio, counted,
// unless the bridge forwards silence (Config.ForwardSilence).
func (e *endpoint) dropSilence(pkt []byte, lvl uint8, ok bool) bool {
	if e.b.cfg.ForwardSilence || !e.fwd.silence.drop(binary.BigEndian.Uint32(pkt[8:]), lvl, ok) {
		return false
	}
	e.meter.silenceDropped.Add(1)
	e.b.counters.silenceDrops.Add(1)
	return true
}
