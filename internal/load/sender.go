package load

import (
	"context"
	"encoding/binary"
	"time"

	"github.com/pion/rtp"
)

// tick is the sender's pacing period.
const tick = 5 * time.Millisecond

// nackReq asks the sender to retransmit one packet.
type nackReq struct {
	ssrc uint32
	seq  uint16
}

// sender produces one endpoint's synthetic camera and microphone.
type sender struct {
	e        *endpoint
	layers   []*videoLayer
	audio    audioStream
	fill     filler
	twSeq    uint16
	nacks    chan nackReq
	queue    [][]byte // paced video packets, oldest first
	free     [][]byte
	budget   int // bytes the pacer may send per tick
	plain    []byte
	out      []byte
	hdr      rtp.Header
	extBuf   [3][3]byte
	lastKey  time.Time
	nextV    time.Time
	nextA    time.Time
	frameDur time.Duration
	svcBytes [svcLayers]int // VP9 SVC: delta-frame bytes per spatial layer; zero: VP8 (svc.go)
	ddBuf    []byte         // AV1 SVC: the packet's dependency descriptor (av1.go)
}

func newSender(e *endpoint) *sender {
	cfg := &e.r.cfg
	s := &sender{e: e, fill: newFiller(uint64(e.idx) + cfg.Seed), nacks: make(chan nackReq, 256),
		plain: make([]byte, 0, 1500), out: make([]byte, 0, 1600), ddBuf: make([]byte, 0, 64),
		frameDur: time.Second / time.Duration(cfg.FPS)}
	s.audio = audioStream{ssrc: endpointSSRC(e.idx, ssrcAudio)}
	if cfg.SVC {
		s.initSVC(e)
		return s
	}
	total := 0
	rates := cfg.LayerBitrates[:]
	if !cfg.Simulcast {
		rates = rates[:1]
	}
	if e.rates != nil {
		rates = e.rates
	}
	for i, rate := range rates {
		i += e.layerBase
		l := &videoLayer{layer: uint8(i), ssrc: endpointSSRC(e.idx, ssrcVideo+i),
			rtxSSRC: endpointSSRC(e.idx, ssrcRTX+i), frameBytes: rate / 8 / cfg.FPS}
		l.wantKey.Store(true)
		s.layers = append(s.layers, l)
		total += rate
	}
	// Like a browser's pacer: 2.5 × the target rate, at least one packet a tick.
	s.budget = max(1500, int(2.5*float64(total)/8*tick.Seconds()))
	return s
}

// requestKeyframe marks the layer with ssrc for a keyframe next frame.
func (s *sender) requestKeyframe(ssrc uint32) {
	for _, l := range s.layers {
		if l.ssrc == ssrc {
			l.wantKey.Store(true)
		}
	}
}

// run paces audio (20 ms) and video frames until ctx ends.
func (s *sender) run(ctx context.Context) {
	t := time.NewTicker(tick)
	defer t.Stop()
	now := time.Now()
	s.nextA, s.nextV, s.lastKey = now, now, now
	for {
		select {
		case <-ctx.Done():
			return
		case n := <-s.nacks:
			s.retransmit(n)
		case now = <-t.C:
			for !now.Before(s.nextA) {
				if !s.e.noAudio {
					s.sendAudio()
				}
				s.nextA = s.nextA.Add(20 * time.Millisecond)
			}
			for !now.Before(s.nextV) {
				s.sendVideoFrame(now)
				s.nextV = s.nextV.Add(s.frameDur)
			}
			s.pace()
		}
	}
}

func (s *sender) nextTWCC() []byte {
	s.twSeq++
	return binary.BigEndian.AppendUint16(nil, s.twSeq)
}

func (s *sender) sendAudio() {
	o := s.e.offer
	a := &s.audio
	a.seq++
	a.ts += 960
	a.frame++
	if a.frame%50 == 0 {
		a.speaker = (a.frame/50+uint32(s.e.idx))%3 == 0
	}
	level := byte(127) // silence
	if a.speaker {
		level = 30
	}
	var exts []hdrExt
	if o.extLevel != 0 {
		exts = append(exts, hdrExt{id: o.extLevel, val: []byte{0x80 | level}})
	}
	if o.extTWCCA != 0 {
		exts = append(exts, hdrExt{id: o.extTWCCA, val: s.nextTWCC()})
	}
	p := writeRTPHeader(s.plain[:0], rtpHead{pt: o.ptOpus, seq: a.seq, ts: a.ts, ssrc: a.ssrc}, exts)
	size := 40
	if a.speaker {
		size = 100
	}
	p = append(p, 0xfc)
	p = append(p, s.fill[:size-1]...)
	tg := tag{sender: uint16(s.e.idx), layer: layerAudio, frame: a.frame, packets: 1, sent: s.e.r.since()}
	tg.put(p[len(p)-size:])
	s.transmit(p)
}

// sendVideoFrame sends one frame on every layer.
func (s *sender) sendVideoFrame(now time.Time) {
	periodic := s.e.r.cfg.KeyframeInterval > 0 && now.Sub(s.lastKey) >= s.e.r.cfg.KeyframeInterval
	if periodic {
		s.lastKey = now
	}
	for _, l := range s.layers {
		key := l.wantKey.Swap(false) || periodic
		if s.svcBytes[0] > 0 {
			s.sendSVCPicture(l, key)
			continue
		}
		s.sendLayerFrame(l, key)
	}
}

func (s *sender) sendLayerFrame(l *videoLayer, key bool) {
	o := s.e.offer
	l.frame++
	l.picID++
	l.ts += uint32(90000 / s.e.r.cfg.FPS)
	tid := temporalPattern[l.frame%4]
	if key {
		tid = 0
		s.e.c.keyframes.Add(1)
	}
	if tid == 0 {
		l.tl0++
	}
	size := l.frameBytes
	if key {
		size *= keyframeFactor
	}
	npk := max(1, (size+maxPayload-1)/maxPayload)
	per := max(size/npk, tagLen+16)
	flags := uint8(0)
	if key {
		flags = flagKeyframe
	}
	for i := range npk {
		var exts []hdrExt
		if o.extAbsTime != 0 {
			exts = append(exts, hdrExt{id: o.extAbsTime, val: absSendTime(s.extBuf[0][:0])})
		}
		if o.extTWCCV != 0 {
			exts = append(exts, hdrExt{id: o.extTWCCV, val: s.nextTWCC()})
		}
		l.seq++
		p := writeRTPHeader(s.plain[:0], rtpHead{marker: i == npk-1, pt: o.ptVP8, seq: l.seq, ts: l.ts, ssrc: l.ssrc}, exts)
		start := len(p)
		p = vp8Descriptor(p, i == 0, l, tid, key)
		if i == 0 {
			p = vp8FrameHeader(p, key, size)
		}
		p = append(p, s.fill[:max(per-(len(p)-start), tagLen)]...)
		tg := tag{sender: uint16(s.e.idx), layer: l.layer, flags: flags, frame: l.frame,
			index: uint16(i), packets: uint16(npk), sent: s.e.r.since()}
		tg.put(p[start:])
		l.hist[l.seq%histLen] = append(l.hist[l.seq%histLen][:0], p...)
		s.enqueue(p)
	}
}

// absSendTime is the 24-bit 6.18 fixed-point seconds of abs-send-time.
func absSendTime(dst []byte) []byte {
	ns := time.Now().UnixNano()
	v := uint32((ns << 18) / int64(time.Second))
	return append(dst, byte(v>>16), byte(v>>8), byte(v))
}

// retransmit answers a NACK with an RTX packet (RFC 4588) from history.
func (s *sender) retransmit(n nackReq) {
	for _, l := range s.layers {
		if l.ssrc != n.ssrc {
			continue
		}
		orig := l.hist[n.seq%histLen]
		var h rtp.Header
		if len(orig) == 0 || s.e.offer.ptRTX == 0 {
			return
		}
		hl, err := h.Unmarshal(orig)
		if err != nil || h.SequenceNumber != n.seq {
			return
		}
		var exts []hdrExt
		if s.e.offer.extTWCCV != 0 {
			exts = append(exts, hdrExt{id: s.e.offer.extTWCCV, val: s.nextTWCC()})
		}
		l.rtxSeq++
		p := writeRTPHeader(s.plain[:0], rtpHead{marker: h.Marker, pt: s.e.offer.ptRTX, seq: l.rtxSeq, ts: h.Timestamp,
			ssrc: l.rtxSSRC}, exts)
		p = binary.BigEndian.AppendUint16(p, n.seq)
		p = append(p, orig[hl:]...)
		s.e.c.rtxSent.Add(1)
		s.transmit(p)
	}
}

// enqueue copies a video packet onto the pacer queue.
func (s *sender) enqueue(p []byte) {
	var b []byte
	if n := len(s.free); n > 0 {
		b, s.free = s.free[n-1][:0], s.free[:n-1]
	}
	s.queue = append(s.queue, append(b, p...))
}

// pace sends queued video packets up to the per-tick budget.
func (s *sender) pace() {
	sent := 0
	for len(s.queue) > 0 && sent < s.budget {
		p := s.queue[0]
		s.queue = s.queue[1:]
		s.transmit(p)
		sent += len(p)
		s.free = append(s.free, p)
	}
}

// transmit stamps the send time into the payload tag, encrypts and sends
// one plaintext RTP packet.
func (s *sender) transmit(p []byte) {
	if len(p) >= rtpHeaderLen+tagLen {
		stampSent(p[len(p)-tagLen:], s.e.r.since())
	}
	out, err := s.e.keys.rtpOut.EncryptRTP(s.out[:0], p, &s.hdr)
	if err != nil {
		return
	}
	if _, err := s.e.conn.Write(out); err == nil {
		s.e.c.sentPkts.Add(1)
		s.e.c.sentBytes.Add(int64(len(out)))
	}
}
