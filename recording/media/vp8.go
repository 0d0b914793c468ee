package media

import (
	"fmt"
	"io"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media"
	"github.com/pion/webrtc/v4/pkg/media/ivfwriter"
	"github.com/pion/webrtc/v4/pkg/media/samplebuilder"
)

const (
	videoRate = 90000
	// videoLate is how many packets the samplebuilder waits for a late one
	// (a 720p keyframe spans about 100 packets).
	videoLate = 512
	// maxDelay is how long (in RTP time) a frame with a missing packet
	// holds back the frames after it before it is given up.
	maxDelay = 500 * time.Millisecond
)

// VP8 writes one VP8 RTP stream as IVF with 90 kHz timestamps. Frames
// before the first keyframe, and after a lost packet until the next
// keyframe, are dropped: they would decode to garbage.
type VP8 struct {
	sb      *samplebuilder.SampleBuilder
	ivf     *ivfwriter.IVFWriter
	needKey bool
	started bool
	first   uint32
	last    uint32
	frame   []byte
	pkt     rtp.Packet
	Frames  int // frames written
	Dropped int // complete frames dropped while waiting for a keyframe
}

// NewVP8 writes the IVF header to w and returns the converter. Width and
// height are only a hint in the header; the decoder reads the real size
// from each keyframe.
func NewVP8(w io.Writer) (*VP8, error) {
	ivf, err := ivfwriter.NewWith(writeOnly{w}, ivfwriter.WithFrameRate(1, videoRate), ivfwriter.WithDirectPTS(),
		ivfwriter.WithWidthAndHeight(1280, 720))
	if err != nil {
		return nil, fmt.Errorf("media: ivf: %w", err)
	}
	return &VP8{sb: samplebuilder.New(videoLate, &codecs.VP8Packet{}, videoRate, samplebuilder.WithMaxTimeDelay(maxDelay)), ivf: ivf, needKey: true}, nil
}

// Push adds one RTP packet; p must not be modified afterwards.
func (v *VP8) Push(p *rtp.Packet) error {
	v.sb.Push(p)
	return v.drain()
}

func (v *VP8) drain() error {
	for s := v.sb.Pop(); s != nil; s = v.sb.Pop() {
		if err := v.write(s); err != nil {
			return err
		}
	}
	return nil
}

// keyframe reports whether a VP8 frame is a key frame (RFC 6386 §9.1:
// bit 0 of the frame tag is 0).
func keyframe(f []byte) bool { return len(f) >= 10 && f[0]&1 == 0 }

func (v *VP8) write(s *media.Sample) error {
	if s.PrevDroppedPackets > 0 {
		v.needKey = true
	}
	if len(s.Data) == 0 {
		return nil
	}
	if v.needKey && !keyframe(s.Data) {
		v.Dropped++
		return nil
	}
	ts := s.PacketTimestamp
	if v.started && int32(ts-v.last) <= 0 {
		return nil // not after the last frame written: IVF needs rising timestamps
	}
	v.needKey = false
	if !v.started {
		v.started, v.first = true, ts
	}
	v.last = ts
	// ivfwriter takes RTP packets: wrap the whole frame in one with a
	// minimal VP8 payload descriptor (S=1, partition 0).
	v.frame = append(append(v.frame[:0], 0x10), s.Data...)
	v.pkt.Header = rtp.Header{Marker: true, Timestamp: ts}
	v.pkt.Payload = v.frame
	if err := v.ivf.WriteRTP(&v.pkt); err != nil {
		return fmt.Errorf("media: ivf write: %w", err)
	}
	v.Frames++
	return nil
}

// First returns the RTP timestamp of the first frame written, if any.
func (v *VP8) First() (uint32, bool) { return v.first, v.started }

// Close writes what is still buffered and ends the IVF stream.
func (v *VP8) Close() error {
	v.sb.Flush()
	err := v.drain()
	if cerr := v.ivf.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("media: ivf close: %w", cerr)
	}
	if err == nil && !v.started {
		err = ErrNoMedia
	}
	return err
}
