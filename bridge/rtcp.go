package bridge

import (
	"time"

	"github.com/pion/rtcp"
)

// onSRTCP decrypts a compound RTCP packet from the endpoint and relays what
// other endpoints need: keyframe requests and NACKs to the media owner,
// sender reports to receivers. Everything else is terminated here.
func (e *endpoint) onSRTCP(st *readerState, b []byte) {
	dec := e.decrypt.Load()
	if dec == nil {
		e.b.counters.srtpErrors.Add(1) // before DTLS completed, as onSRTP
		return
	}
	plain, err := dec.DecryptRTCP(st.plain[:0], b, nil)
	if err != nil {
		e.b.counters.srtpErrors.Add(1)
		return
	}
	if !e.handleRTCP(plain) { // rtcpread.go
		e.b.counters.badPacket.Add(1)
	}
}

// relayRTCP acts on one RTCP packet in pion's form (handleRTCP's path
// reads the same packets in place).
func (e *endpoint) relayRTCP(p rtcp.Packet) {
	switch p := p.(type) {
	case *rtcp.SenderReport:
		e.rx.senderReport(p.SSRC, p.NTPTime, time.Now())
		e.relaySenderReport(p)
	case *rtcp.PictureLossIndication:
		e.conf.requestKeyframe(e.down, p.MediaSSRC)
	case *rtcp.FullIntraRequest:
		for _, f := range p.FIR {
			e.conf.requestKeyframe(e.down, f.SSRC)
		}
	case *rtcp.TransportLayerNack:
		e.relayNack(p)
	case *rtcp.TransportLayerCC:
		e.onTransportFeedback(p, time.Now())
	}
}

// relaySenderReport passes the sender's SR (without report blocks) to the
// receivers of that SSRC, for lip-sync; video is translated to the
// projected stream.
func (e *endpoint) relaySenderReport(sr *rtcp.SenderReport) {
	route, ok := e.ingress.Load().ssrcs[sr.SSRC]
	if !ok || !route.forward || route.rtx {
		return
	}
	if route.src != nil {
		e.translateSR(sr, route)
		return
	}
	for _, r := range e.conf.receivers() {
		if r == e.down || !r.ready() || !r.alloc.Load().hears(e.id) {
			continue
		}
		e.fwd.rtcpBuf = appendSR(e.fwd.rtcpBuf[:0], sr.SSRC, sr.NTPTime, sr.RTPTime, sr.PacketCount, sr.OctetCount)
		if r.out.SendRTCP(e.fwd.rtcpBuf) {
			e.b.counters.rtcpRelayed.Add(1)
		}
	}
}

// requestKeyframe sends a PLI for mediaSSRC, asked by receiver r, to the
// endpoint that owns it; for a simulcast source it goes to the encoding r
// is sent.
func (c *conference) requestKeyframe(r *downlink, mediaSSRC uint32) {
	owner := c.ownerOf(mediaSSRC)
	if owner == nil || owner.id == r.id || !owner.srtpReady.Load() {
		return
	}
	now := time.Now()
	if route := owner.ingress.Load().ssrcs[mediaSSRC]; route.src != nil {
		t := r.alloc.Load().target(route.src.primary)
		if t.enc < 0 {
			return
		}
		mediaSSRC = route.src.ssrcOf(route.src.activeAtOrBelow(t.enc, now))
	}
	if !c.allowKeyframeRequest(mediaSSRC, now) {
		return
	}
	owner.sendPLI(c.videoSSRC, mediaSSRC)
}

// relayNack passes a receiver's NACK to the sender of the media SSRC; SSRCs
// and sequence numbers are forwarded unchanged, so the sender's
// retransmission (RTX or plain) reaches the receiver through the normal
// path. NACKs of projected (simulcast) streams, whose numbering is the
// bridge's, are answered from the bridge's cache.
func (e *endpoint) relayNack(n *rtcp.TransportLayerNack) {
	owner := e.conf.ownerOf(n.MediaSSRC)
	if owner == nil || owner == e || !owner.srtpReady.Load() || len(n.Nacks) == 0 {
		return
	}
	if route := owner.ingress.Load().ssrcs[n.MediaSSRC]; route.src != nil {
		e.answerNack(n, route.src)
		return
	}
	owner.sendRTCP(&rtcp.TransportLayerNack{SenderSSRC: e.conf.videoSSRC, MediaSSRC: n.MediaSSRC, Nacks: n.Nacks})
}
