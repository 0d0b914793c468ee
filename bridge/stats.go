package bridge

import "sync/atomic"

// counters are the bridge's drop and forwarding counts (all endpoints).
type counters struct {
	unroutable    atomic.Uint64 // datagrams the UDP mux could not route
	garbage       atomic.Uint64 // datagrams on an endpoint that are not DTLS/RTP/RTCP; STUN the bridge must discard (stungate.go)
	srtpErrors    atomic.Uint64 // SRTP/SRTCP authentication or decryption failures
	unknownSSRC   atomic.Uint64
	badPT         atomic.Uint64
	badPacket     atomic.Uint64
	queueDrops    atomic.Uint64 // packets dropped because a receiver's queue was full
	sendDrops     atomic.Uint64 // datagrams the media socket refused (buffer full, no route)
	forwarded     atomic.Uint64 // RTP packets queued towards receivers
	rtcpRelayed   atomic.Uint64 // PLI/FIR/SR packets queued towards endpoints
	retransmitted atomic.Uint64 // packets re-sent from the bridge's cache for receivers' NACKs
	// Totals over every endpoint there ever was (metrics: monotonic counters).
	bytesIn, bytesOut atomic.Uint64 // SRTP/SRTCP bytes read from and written to endpoints
	packetsIn         atomic.Uint64 // datagrams read from endpoints (the stress level's input)
	lostIn, lostOut   atomic.Uint64 // uplink gaps NACKed; downlink losses transport-cc reported

	refusedCands atomic.Uint64 // signalled remote candidates refused (count bound, bad target)
	codecDrops   atomic.Uint64 // packets not sent to a receiver that was not offered their codec
	silenceDrops atomic.Uint64 // silent audio packets not forwarded to client endpoints (silence.go)
}

// Stats is a snapshot of the bridge's counters.
type Stats struct {
	Unroutable, Garbage, SRTPErrors, UnknownSSRC, BadPayloadType, BadPacket uint64
	QueueDrops, SendDrops, Forwarded, RTCPRelayed, Retransmitted            uint64

	// RefusedCandidates counts signalled remote candidates not given to ICE.
	RefusedCandidates uint64
	// CodecDrops counts packets not sent to a receiver because it was not
	// offered their payload type (and, for RED, not the primary's either).
	CodecDrops uint64
	// SilenceDrops counts senders' silent audio packets not forwarded to
	// client endpoints (docs/media.md#silence).
	SilenceDrops uint64

	// BytesIn and BytesOut count the SRTP/SRTCP bytes read from and written
	// to all endpoints since the start; LostIn the packets senders' uplinks
	// lost (gaps the bridge NACKed), LostOut those receivers' transport-cc
	// feedback reported lost.
	BytesIn, BytesOut, LostIn, LostOut uint64
}

// Stats returns the current counters.
func (b *Bridge) Stats() Stats {
	c := &b.counters
	return Stats{
		Unroutable: c.unroutable.Load(), Garbage: c.garbage.Load(), SRTPErrors: c.srtpErrors.Load(),
		UnknownSSRC: c.unknownSSRC.Load(), BadPayloadType: c.badPT.Load(), BadPacket: c.badPacket.Load(),
		QueueDrops: c.queueDrops.Load(), SendDrops: c.sendDrops.Load(), Forwarded: c.forwarded.Load(), RTCPRelayed: c.rtcpRelayed.Load(),
		Retransmitted: c.retransmitted.Load(), RefusedCandidates: c.refusedCands.Load(), CodecDrops: c.codecDrops.Load(),
		SilenceDrops: c.silenceDrops.Load(),
		BytesIn:      c.bytesIn.Load(), BytesOut: c.bytesOut.Load(), LostIn: c.lostIn.Load(), LostOut: c.lostOut.Load(),
	}
}
