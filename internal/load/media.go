package load

import (
	"encoding/binary"
	"math/rand/v2"
	"sync/atomic"
)

// maxPayload bounds the media payload of one RTP packet.
const maxPayload = 1100

// histLen is how many packets of each video layer are kept for RTX.
const histLen = 128

// keyframeFactor is how much larger a keyframe is than a delta frame.
const keyframeFactor = 4

// ssrcBase is the first SSRC the tool uses; endpoint i owns
// ssrcBase + i<<8 + (0..255), so a receiver can tell the sender from the SSRC.
const ssrcBase = 0x10000000

// SSRC offsets inside an endpoint's block.
const (
	ssrcAudio = 0
	ssrcVideo = 1  // + layer
	ssrcRTX   = 17 // + layer
)

// endpointSSRC returns the SSRC of one stream of endpoint idx.
func endpointSSRC(idx, off int) uint32 { return ssrcBase + uint32(idx)<<8 + uint32(off) }

// senderOf returns the endpoint index owning an SSRC, or -1.
func senderOf(ssrc uint32) int {
	if ssrc < ssrcBase {
		return -1
	}
	return int((ssrc - ssrcBase) >> 8)
}

// temporalPattern is the VP8 temporal layer of frame f%4 (L1T3).
var temporalPattern = [4]uint8{0, 2, 1, 2}

// videoLayer is one simulcast encoding of the synthetic camera.
type videoLayer struct {
	layer         uint8
	ssrc, rtxSSRC uint32
	frameBytes    int
	seq, rtxSeq   uint16
	ts            uint32
	frame         uint32
	picID         uint16
	tl0           uint8
	wantKey       atomic.Bool
	hist          [histLen][]byte // plaintext packets by seq % histLen
}

// audioStream is the synthetic microphone.
type audioStream struct {
	ssrc    uint32
	seq     uint16
	ts      uint32
	frame   uint32
	speaker bool // loud frames this second
	rng     *rand.Rand
}

// filler is deterministic pseudo-random payload bytes, shared read-only.
type filler []byte

func newFiller(seed uint64) filler {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	b := make([]byte, 2*maxPayload)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// vp8Descriptor appends the VP8 payload descriptor (RFC 7741) with
// PictureID (15 bit), TL0PICIDX and TID.
func vp8Descriptor(dst []byte, start bool, l *videoLayer, tid uint8, key bool) []byte {
	b0 := byte(0x80) // X
	if start {
		b0 |= 0x10 // S, partition 0
	}
	y := byte(0)
	if tid > 0 {
		y = 0x20 // layer sync for upper layers
	}
	dst = append(dst, b0, 0xE0) // I, L, T
	dst = binary.BigEndian.AppendUint16(dst, 0x8000|l.picID&0x7fff)
	_ = key
	return append(dst, l.tl0, tid<<6|y)
}

// vp8FrameHeader appends the start of a VP8 frame: the 3-byte frame tag
// and, for keyframes, the start code and a 640x360 size.
func vp8FrameHeader(dst []byte, key bool, size int) []byte {
	p := byte(1) // inter frame
	if key {
		p = 0
	}
	first := uint32(size&0x7ffff)<<5 | 1<<4 | uint32(p) // show_frame, version 0
	dst = append(dst, byte(first), byte(first>>8), byte(first>>16))
	if key {
		dst = append(dst, 0x9d, 0x01, 0x2a, 0x80, 0x02, 0x68, 0x01)
	}
	return dst
}

// isVP8Keyframe reports whether a VP8 payload starts a keyframe.
func isVP8Keyframe(payload []byte) bool {
	if len(payload) < 1 || payload[0]&0x10 == 0 {
		return false
	}
	off := 1
	if payload[0]&0x80 != 0 {
		if len(payload) < 2 {
			return false
		}
		x := payload[1]
		off++
		if x&0x80 != 0 {
			if len(payload) <= off {
				return false
			}
			if payload[off]&0x80 != 0 {
				off++
			}
			off++
		}
		if x&0x40 != 0 {
			off++
		}
		if x&0x30 != 0 {
			off++
		}
	}
	return len(payload) > off && payload[off]&0x01 == 0
}
