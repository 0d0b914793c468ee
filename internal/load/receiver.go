package load

import (
	"time"

	"github.com/pion/interceptor/pkg/twcc"
	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// feedbackEvery is the transport-cc feedback period of a receiver.
const feedbackEvery = 100 * time.Millisecond

// rxStream is the receive state of one remote SSRC.
type rxStream struct {
	started  bool
	highest  uint16
	rtx      bool
	keyFrame uint32 // frame id of the keyframe being collected
	keyGot   uint16
}

// receiver is the state of an endpoint's reader goroutine.
type receiver struct {
	e        *endpoint
	probe    bool
	streams  map[uint32]*rxStream
	twcc     *twcc.Recorder
	lastFB   time.Time
	view     rtpView
	hdr      rtp.Header
	plain    []byte
	rtcpIn   []byte
	tg       tag
	gotRTP   bool
	gotKey   bool
	ptRTX    uint8
	twccID   uint8
	feedback []rtcp.Packet
}

func newReceiver(e *endpoint, probe bool) *receiver {
	return &receiver{e: e, probe: probe, streams: map[uint32]*rxStream{},
		plain: make([]byte, 0, 1600), rtcpIn: make([]byte, 0, 1600),
		ptRTX: e.offer.ptRTX, twccID: e.offer.extTWCCV, lastFB: time.Now()}
}

// onRTP handles one SRTP datagram.
func (r *receiver) onRTP(b []byte, now time.Time) {
	c := &r.e.c
	if !parseRTPHeader(b, r.twccID, &r.view) {
		return
	}
	c.rxPkts.Add(1)
	c.rxBytes.Add(int64(len(b)))
	if r.view.pt == r.e.offer.ptOpus {
		c.rxAudio.Add(1)
	}
	if !r.gotRTP {
		r.gotRTP = true
		r.e.times.firstRTP.Store(int64(now.Sub(r.e.times.joinSent)))
	}
	st := r.stream(r.view.ssrc)
	if r.view.pt == r.ptRTX && r.ptRTX != 0 {
		c.rxRTX.Add(1)
	} else {
		r.trackSeq(st, r.view.seq)
	}
	if r.view.hasTW {
		r.recordTWCC(r.view.ssrc, r.view.twcc, now)
	}
	if r.probe || !r.gotKey {
		r.inspect(b, st, now)
	}
	if now.Sub(r.lastFB) >= feedbackEvery {
		r.lastFB = now
		r.sendFeedback()
	}
}

// stream returns the state of ssrc; a new video stream gets a PLI, as a
// browser asks for a keyframe when a track starts.
func (r *receiver) stream(ssrc uint32) *rxStream {
	st := r.streams[ssrc]
	if st == nil {
		st = &rxStream{}
		r.streams[ssrc] = st
		if r.view.pt != r.e.offer.ptOpus && r.view.pt != r.ptRTX {
			r.e.sendRTCP(&rtcp.PictureLossIndication{SenderSSRC: r.e.rtcpSSRC(), MediaSSRC: ssrc})
		}
	}
	return st
}

// trackSeq counts expected packets from sequence numbers and NACKs gaps
// (probe receivers only).
func (r *receiver) trackSeq(st *rxStream, seq uint16) {
	if !st.started {
		st.started, st.highest = true, seq
		r.e.c.rxExpected.Add(1)
		return
	}
	d := int16(seq - st.highest)
	if d <= 0 {
		return // reordered or duplicate
	}
	r.e.c.rxExpected.Add(int64(d))
	if d > 1 && r.probe && d < 64 {
		r.nack(r.view.ssrc, st.highest+1, uint16(d-1))
	}
	st.highest = seq
}

func (r *receiver) nack(ssrc uint32, first, n uint16) {
	var pairs []rtcp.NackPair
	for i := uint16(0); i < n; i += 17 {
		p := rtcp.NackPair{PacketID: first + i}
		for k := uint16(1); k < 17 && i+k < n; k++ {
			p.LostPackets |= 1 << (k - 1)
		}
		pairs = append(pairs, p)
	}
	r.e.c.nacksOut.Add(1)
	r.e.sendRTCP(&rtcp.TransportLayerNack{SenderSSRC: r.e.rtcpSSRC(), MediaSSRC: ssrc, Nacks: pairs})
}

// recordTWCC notes a packet's transport-wide sequence number. Like a
// browser, a receiver keeps one sequence space per transport: an SFU that
// stamps its own numbers per receiver (JVB, meetd, Janus) gets exact
// feedback for its bandwidth estimation.
func (r *receiver) recordTWCC(ssrc uint32, seq uint16, now time.Time) {
	if r.twcc == nil {
		r.twcc = twcc.NewRecorder(r.e.rtcpSSRC())
	}
	r.twcc.Record(ssrc, seq, now.UnixMicro())
}

// sendFeedback sends the transport-cc feedback gathered since the last one.
func (r *receiver) sendFeedback() {
	r.feedback = r.feedback[:0]
	if r.twcc != nil {
		r.feedback = append(r.feedback, r.twcc.BuildFeedbackPacket()...)
	}
	for len(r.feedback) > 0 {
		n := min(len(r.feedback), 8)
		r.e.sendRTCP(r.feedback[:n]...)
		r.e.c.twccOut.Add(int64(n))
		r.feedback = r.feedback[n:]
	}
}

// inspect decrypts a packet, measures its latency and watches for the
// first complete keyframe.
func (r *receiver) inspect(b []byte, st *rxStream, now time.Time) {
	plain, err := r.e.keys.in.DecryptRTP(r.plain[:0], b, &r.hdr)
	if err != nil {
		r.e.c.srtpErrors.Add(1)
		return
	}
	payload := plain[r.view.hdrLen:]
	if r.view.pt == r.ptRTX || !parseTag(payload, &r.tg) {
		return
	}
	if r.probe {
		r.e.c.rxProbed.Add(1)
		lat := time.Duration(r.e.r.sinceAt(now) - r.tg.sent)
		r.e.c.lat[latBucket(lat)].Add(1)
	}
	if r.tg.flags&flagKeyframe == 0 || r.tg.layer == layerAudio {
		return
	}
	if st.keyFrame != r.tg.frame || st.keyGot == 0 {
		st.keyFrame, st.keyGot = r.tg.frame, 0
	}
	st.keyGot++
	if st.keyGot == r.tg.packets && !r.gotKey {
		r.gotKey = true
		r.e.times.firstKey.Store(int64(now.Sub(r.e.times.joinSent)))
	}
}

// onRTCP handles SRTCP from the bridge: keyframe requests and NACKs for
// this endpoint's media.
func (r *receiver) onRTCP(b []byte) {
	plain, err := r.e.keys.in.DecryptRTCP(r.rtcpIn[:0], b, nil)
	if err != nil {
		r.e.c.srtpErrors.Add(1)
		return
	}
	pkts, err := rtcp.Unmarshal(plain)
	if err != nil {
		return
	}
	r.e.c.rtcpRecv.Add(1)
	for _, p := range pkts {
		r.onRTCPPacket(p)
	}
}

func (r *receiver) onRTCPPacket(p rtcp.Packet) {
	s := r.e.send
	switch p := p.(type) {
	case *rtcp.PictureLossIndication:
		r.e.c.plis.Add(1)
		if s != nil {
			s.requestKeyframe(p.MediaSSRC)
		}
	case *rtcp.FullIntraRequest:
		r.e.c.plis.Add(1)
		for _, f := range p.FIR {
			if s != nil {
				s.requestKeyframe(f.SSRC)
			}
		}
	case *rtcp.TransportLayerNack:
		r.e.c.nacksIn.Add(1)
		if s == nil {
			return
		}
		for _, pair := range p.Nacks {
			for _, seq := range pair.PacketList() {
				select {
				case s.nacks <- nackReq{ssrc: p.MediaSSRC, seq: seq}:
				default:
				}
			}
		}
	}
}
