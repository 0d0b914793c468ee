// Package testmedia makes synthetic media for the recording tests and
// benchmark: ffmpeg's test sources encoded to VP8 and Opus, read back and
// packetized into RTP with pion's payloaders, as a browser would send them.
package testmedia

import (
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"

	"github.com/pion/rtp"
	"github.com/pion/rtp/codecs"
	"github.com/pion/webrtc/v4/pkg/media/ivfreader"
	"github.com/pion/webrtc/v4/pkg/media/oggreader"
)

// Clip is an encoded test clip.
type Clip struct {
	IVF, Ogg string // file paths
}

// Make encodes seconds of ffmpeg's testsrc2 (w×h, fps) to VP8 and a sine
// tone of freq Hz to Opus into dir. Key frames come every second.
func Make(dir string, seconds, w, h, fps, freq int) (Clip, error) {
	c := Clip{IVF: filepath.Join(dir, fmt.Sprintf("v%dx%d-%d.ivf", w, h, seconds)),
		Ogg: filepath.Join(dir, fmt.Sprintf("a%d-%d.ogg", freq, seconds))}
	d := strconv.Itoa(seconds)
	if err := run("-f", "lavfi", "-i", fmt.Sprintf("testsrc2=s=%dx%d:r=%d:d=%s", w, h, fps, d),
		"-c:v", "libvpx", "-deadline", "realtime", "-cpu-used", "8", "-b:v", "300k", "-g", strconv.Itoa(fps),
		"-auto-alt-ref", "0", c.IVF); err != nil {
		return c, err
	}
	err := run("-f", "lavfi", "-i", fmt.Sprintf("sine=f=%d:d=%s:r=48000", freq, d),
		"-c:a", "libopus", "-b:a", "32k", "-frame_duration", "20", "-application", "voip", "-page_duration", "20000", c.Ogg)
	return c, err
}

func run(args ...string) error {
	args = append([]string{"-nostdin", "-v", "error", "-y"}, args...)
	out, err := exec.Command("ffmpeg", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("testmedia: ffmpeg %v: %w: %s", args, err, out)
	}
	return nil
}

// Frame is one encoded frame with its 90 kHz (video) or 48 kHz (audio)
// timestamp offset from the clip's start.
type Frame struct {
	Data []byte
	TS   uint32
}

// VideoFrames reads the clip's VP8 frames.
func VideoFrames(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, hdr, err := ivfreader.NewWith(f)
	if err != nil {
		return nil, err
	}
	var out []Frame
	for {
		data, fh, err := r.ParseNextFrame()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		ts := fh.Timestamp * 90000 * uint64(hdr.TimebaseNumerator) / uint64(hdr.TimebaseDenominator)
		out = append(out, Frame{Data: data, TS: uint32(ts)})
	}
}

// AudioFrames reads the clip's Opus packets (20 ms each).
func AudioFrames(path string) ([]Frame, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	r, _, err := oggreader.NewWith(f)
	if err != nil {
		return nil, err
	}
	var out []Frame
	var ts uint32
	for {
		page, _, err := r.ParseNextPage()
		if errors.Is(err, io.EOF) {
			return out, nil
		}
		if err != nil {
			return nil, err
		}
		if len(page) < 8 || string(page[:8]) == "OpusHead" || string(page[:8]) == "OpusTags" {
			continue
		}
		out = append(out, Frame{Data: page, TS: ts})
		ts += 960
	}
}

// Packetizer turns frames into RTP packets with continuous sequence numbers.
type Packetizer struct {
	SSRC uint32
	Seq  uint16
	Base uint32 // added to every timestamp
	MTU  uint16
	pay  rtp.Payloader
}

// NewVideo returns a VP8 packetizer; NewAudio an Opus one.
func NewVideo(ssrc uint32) *Packetizer {
	return &Packetizer{SSRC: ssrc, MTU: 1200, pay: &codecs.VP8Payloader{EnablePictureID: true}, Base: 1000}
}

// NewAudio returns an Opus packetizer.
func NewAudio(ssrc uint32) *Packetizer {
	return &Packetizer{SSRC: ssrc, MTU: 1200, pay: &codecs.OpusPayloader{}, Base: 5000}
}

// Packets returns frame's RTP packets at timestamp offset ts.
func (p *Packetizer) Packets(f Frame, ts uint32) []*rtp.Packet {
	payloads := p.pay.Payload(p.MTU, f.Data)
	out := make([]*rtp.Packet, len(payloads))
	for i, pl := range payloads {
		out[i] = &rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 100, SequenceNumber: p.Seq,
			Timestamp: p.Base + ts, SSRC: p.SSRC, Marker: i == len(payloads)-1}, Payload: pl}
		p.Seq++
	}
	return out
}
