package bridge

import (
	"encoding/binary"
	"time"

	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"

	"meetd/bridge/pipe"
)

const maxDatagram = 1600

// outPacket is one plaintext RTP or RTCP packet queued towards an endpoint.
type outPacket struct {
	data []byte
	rtcp bool
}

// readerState holds the reader goroutine's reusable buffers.
type readerState struct {
	buf   []byte
	plain []byte
	h     rtp.Header
	// appData: a DTLS application-data record (the client's first SCTP
	// packet) was seen.
	appData bool
}

// readLoop is the endpoint's only reader: it demultiplexes DTLS from SRTP
// and SRTCP (RFC 7983) and runs the ingress path for media.
func (e *endpoint) readLoop(conn *ice.Conn, pipe *pipe.DTLS) {
	defer e.wg.Done()
	defer func() { _ = pipe.Close() }()
	st := &readerState{buf: make([]byte, maxDatagram), plain: make([]byte, maxDatagram)}
	for {
		n, err := conn.Read(st.buf)
		if err != nil {
			return
		}
		e.meter.bytesIn.Add(uint64(n))
		e.b.counters.bytesIn.Add(uint64(n))
		e.b.counters.packetsIn.Add(1)
		e.handleDatagram(st, st.buf[:n], pipe)
	}
}

func (e *endpoint) handleDatagram(st *readerState, b []byte, pipe *pipe.DTLS) {
	if e.consentLost.Load() {
		e.b.counters.unroutable.Add(1) // consent expired (consent.go)
		return
	}
	switch classify(b) {
	case classDTLS:
		if !pipe.Push(append([]byte(nil), b...)) {
			e.b.counters.queueDrops.Add(1)
			return
		}
		if !st.appData && hasAppData(b) {
			st.appData = true
			e.sctpAppData()
		}
	case classRTP:
		e.onSRTP(st, b)
	case classRTCP:
		e.onSRTCP(st, b)
	default:
		e.b.counters.garbage.Add(1)
	}
}

func (e *endpoint) onSRTP(st *readerState, b []byte) {
	dec := e.decrypt.Load()
	if dec == nil {
		// Media before DTLS completed cannot be authenticated: dropped and
		// counted with the SRTP failures (docs/reliability.md M4).
		e.b.counters.srtpErrors.Add(1)
		return
	}
	plain, err := dec.DecryptRTP(st.plain[:0], b, &st.h)
	if err != nil {
		e.b.counters.srtpErrors.Add(1)
		return
	}
	tbl := e.ingress.Load()
	verdict, route := inspectRTP(plain, tbl, &st.h)
	if verdict <= verdictKeep {
		e.recordTWCC(&st.h, tbl.twccExt)
		e.rx.packet(st.h.SSRC, st.h.SequenceNumber)
		if rr := e.rx.due(e.conf.videoSSRC, time.Now()); rr != nil {
			e.sendRawRTCP(rr)
		}
	}
	switch verdict {
	case verdictForward:
		e.forward(plain, route, time.Now())
	case verdictUnknownSSRC:
		e.b.counters.unknownSSRC.Add(1)
	case verdictBadPT:
		e.b.counters.badPT.Add(1)
	case verdictBadPacket:
		e.b.counters.badPacket.Add(1)
	}
}

// forward hands a plaintext RTP packet to every other endpoint that wants
// it: audio to all, video as the receivers' allocations say.
func (e *endpoint) forward(pkt []byte, route ssrcRoute, now time.Time) {
	switch {
	case route.kind == kindAudio:
		if e.muteAudio.Load() {
			return
		}
		lvl, ok := audioLevel(pkt, e.ingress.Load().levelExt)
		if ok {
			if s := e.speechFor(pkt); s != nil { // relay_speech.go
				s.observe(lvl, now) // silence too: it lowers the sender's activity
			}
		}
		// Audio from a relay interleaves several senders and was filtered by
		// their own bridge already (docs/media.md#silence).
		e.forwardAll(pkt, e.relay == nil && e.dropSilence(pkt, lvl, ok))
	case e.muteVideo.Load() || route.src == nil:
		return
	case route.rtx:
		e.forwardRTX(pkt, route, now)
	default:
		if gap := e.loss.received(route.src.ssrcs[route.enc], binary.BigEndian.Uint16(pkt[2:]), now); gap > 0 {
			e.meter.lostIn.Add(uint64(gap))
			e.b.counters.lostIn.Add(uint64(gap))
		}
		if nacks := e.loss.due(e.conf.videoSSRC, now); nacks != nil {
			e.sendRTCP(nacks...)
		}
		e.forwardVideo(pkt, route, now)
	}
}

// forwardAll hands an audio packet to every other ready receiver that
// hears this sender: unchanged, or without RED redundancy for receivers
// that were not offered RED (red.go). A silent packet goes only to
// attached receivers (the recorder); client endpoints get the others
// renumbered around it (silence.go).
func (e *endpoint) forwardAll(pkt []byte, silent bool) {
	pt := pkt[1] & 0x7F
	red := e.ingress.Load().codec[pt] == codecRED
	if red && !e.fwd.sawRED {
		e.fwd.sawRED = true
		e.log.Info("sender uses RED audio", "pt", pt)
	}
	var stripped []byte
	for _, r := range e.conf.receivers() {
		if r == e.down || (silent && r.ep != nil) || !r.ready() || !r.alloc.Load().hears(e.id) {
			continue
		}
		out := e.fwd.audioFor(r, pkt, pt, red, &stripped)
		if out == nil {
			e.b.counters.codecDrops.Add(1)
			continue
		}
		if out = e.fwd.copied(out); r.ep != nil {
			e.fwd.silence.renumber(out)
		}
		if r.sendRTP(out) {
			e.b.counters.forwarded.Add(1)
		}
	}
}

func (e *endpoint) recordTWCC(h *rtp.Header, id uint8) {
	seq, ok := twccSeq(h, id)
	if !ok {
		return
	}
	if fb := e.twcc.record(h.SSRC, seq, time.Now()); fb != nil {
		e.sendRawRTCP(fb)
	}
}

// sendRTCP marshals bridge-made or relayed RTCP and queues it.
func (e *endpoint) sendRTCP(pkts ...rtcp.Packet) {
	raw, err := rtcp.Marshal(pkts)
	if err != nil {
		return
	}
	e.sendRawRTCP(raw)
}

// sendPLI asks the endpoint for a keyframe of media (from any goroutine),
// built straight into a pooled packet.
func (e *endpoint) sendPLI(sender, media uint32) {
	p := e.b.getPacket()
	p.data, p.rtcp = appendPLI(p.data[:0], sender, media), true
	if e.push(p) {
		e.b.counters.rtcpRelayed.Add(1)
	}
}

// sendRawRTCP sends (or queues) a copy of a marshalled RTCP packet.
func (e *endpoint) sendRawRTCP(raw []byte) {
	if e.enqueue(raw, true) {
		e.b.counters.rtcpRelayed.Add(1)
	}
}
