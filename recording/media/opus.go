package media

import (
	"fmt"
	"io"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/oggwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

const (
	opusRate = 48000
	// opusFrame is the length of the silence frame, in 48 kHz samples.
	opusFrame = 960
	// maxAudioGap is the longest gap filled with silence (30 min); a larger
	// jump, or one backwards, is a new timeline (the sender restarted).
	maxAudioGap = 30 * 60 * opusRate
	// audioLate is how many packets the samplebuilder waits for a late one.
	audioLate = 50
)

// silence is a 20 ms Opus frame (CELT, full band) that decodes to silence.
var silence = []byte{0xf8, 0xff, 0xfe}

// Opus writes one Opus RTP stream as Ogg Opus.
type Opus struct {
	sb      *samplebuilder.SampleBuilder
	ogg     *oggwriter.OggWriter
	started bool
	first   uint32 // RTP timestamp of the first sample written
	next    uint32 // RTP timestamp the next sample should have
	pkt     rtp.Packet
	Frames  int // samples written, silence included
	Filled  int // silence frames inserted
}

// NewOpus writes the Ogg headers to w and returns the converter.
func NewOpus(w io.Writer) (*Opus, error) {
	ogg, err := oggwriter.NewWith(writeOnly{w}, opusRate, 2)
	if err != nil {
		return nil, fmt.Errorf("media: ogg: %w", err)
	}
	return &Opus{sb: samplebuilder.New(audioLate, &codecs.OpusPacket{}, opusRate), ogg: ogg}, nil
}

// Push adds one RTP packet; p must not be modified afterwards.
func (o *Opus) Push(p *rtp.Packet) error {
	o.sb.Push(p)
	return o.drain()
}

func (o *Opus) drain() error {
	for s := o.sb.Pop(); s != nil; s = o.sb.Pop() {
		if err := o.write(s); err != nil {
			return err
		}
	}
	return nil
}

func (o *Opus) write(s *media.Sample) error {
	if len(s.Data) == 0 {
		return nil
	}
	ts := s.PacketTimestamp
	if !o.started {
		o.started, o.first, o.next = true, ts, ts
	}
	gap := int64(int32(ts - o.next))
	switch {
	case gap < 0 && gap > -maxAudioGap:
		return nil // late duplicate of what was written (or filled)
	case gap >= opusFrame && gap <= maxAudioGap:
		for ; gap >= opusFrame; gap -= opusFrame {
			if err := o.put(silence); err != nil {
				return err
			}
			o.Filled++
		}
	}
	if err := o.put(s.Data); err != nil {
		return err
	}
	o.next = ts + uint32(samplesOf(s.Data))
	return nil
}

func (o *Opus) put(frame []byte) error {
	o.pkt.Payload = frame
	if err := o.ogg.WriteRTP(&o.pkt); err != nil {
		return fmt.Errorf("media: ogg write: %w", err)
	}
	o.Frames++
	return nil
}

// samplesOf returns an Opus packet's duration in 48 kHz samples (RFC 6716
// §3.1), 960 when the packet is malformed.
func samplesOf(p []byte) int {
	toc := p[0]
	var per int
	switch {
	case toc&0x80 != 0: // CELT: 2.5, 5, 10, 20 ms
		per = 120 << ((toc >> 3) & 3)
	case toc&0x60 == 0x60: // hybrid: 10, 20 ms
		per = 480 << ((toc >> 3) & 1)
	default: // SILK: 10, 20, 40, 60 ms
		per = []int{480, 960, 1920, 2880}[(toc>>3)&3]
	}
	frames := 1
	switch toc & 3 {
	case 1, 2:
		frames = 2
	case 3:
		if len(p) < 2 || p[1]&0x3f == 0 {
			return opusFrame
		}
		frames = int(p[1] & 0x3f)
	}
	if n := per * frames; n <= 5760 {
		return n
	}
	return opusFrame
}

// First returns the RTP timestamp of the first sample written, if any.
func (o *Opus) First() (uint32, bool) { return o.first, o.started }

// Close writes what is still buffered and ends the Ogg stream. It does not
// close the underlying writer unless it is an io.Closer (as oggwriter does).
func (o *Opus) Close() error {
	o.sb.Flush()
	err := o.drain()
	if cerr := o.ogg.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("media: ogg close: %w", cerr)
	}
	if err == nil && !o.started {
		err = ErrNoMedia
	}
	return err
}
