package bridge

import "encoding/binary"

// vp8Info is what the projection needs from a VP8 RTP payload descriptor
// (RFC 7741 §4.2) and, on a keyframe's first packet, the frame size. The
// offsets point into the packet so the fields can be rewritten in place.
type vp8Info struct {
	start    bool // first packet of a frame (S=1, partition 0)
	keyframe bool // start && the VP8 payload header says keyframe
	pidOff   int  // offset of the PictureID; 0 = absent
	pidLong  bool // 15-bit PictureID
	pid      uint16
	tl0Off   int // offset of TL0PICIDX; 0 = absent
	tl0      uint8
	hasTID   bool
	tid      uint8
	width    uint16 // keyframes only
	height   uint16
	// VP9 (videocodec.go): spatial layer id and end of a layer frame.
	svc        bool
	sid        uint8
	endOfLayer bool
	svcLayers  uint8 // spatial layers of a scalability structure with resolutions (0: none)
	svcHeights [maxEncodings]uint16
	// AV1 dependency descriptor (av1.go): present, read against a known
	// structure, and where its value is in the packet. The frame number is
	// the "picture ID" (16 bits, pid16) rewritten on a switch of encoding.
	dd, ddOK     bool
	pid16        bool
	ddOff, ddLen int
	ddMask       bool   // the packet carries active decode targets
	ddActive     uint32 // the sender's active decode targets after it
}

// rtpPayload returns the payload bounds of a plaintext RTP packet, without
// padding; ok is false for a malformed packet or an empty payload.
func rtpPayload(pkt []byte) (start, end int, ok bool) {
	if len(pkt) < 12 {
		return 0, 0, false
	}
	off := 12 + 4*int(pkt[0]&0x0F)
	if pkt[0]&0x10 != 0 {
		if len(pkt) < off+4 {
			return 0, 0, false
		}
		off += 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
	}
	end = len(pkt)
	if pkt[0]&0x20 != 0 {
		if end == 0 {
			return 0, 0, false
		}
		end -= int(pkt[end-1])
	}
	if off >= end {
		return 0, 0, false
	}
	return off, end, true
}

// parseVP8 reads the descriptor of the VP8 payload pkt[off:end].
func parseVP8(pkt []byte, off, end int) (vp8Info, bool) {
	var v vp8Info
	p := pkt[off:end]
	if len(p) < 1 {
		return v, false
	}
	b0 := p[0]
	v.start = b0&0x10 != 0 && b0&0x07 == 0
	i := 1
	if b0&0x80 != 0 {
		if len(p) < 2 {
			return v, false
		}
		x := p[1]
		i = 2
		var ok bool
		if i, ok = v.parseExtended(p, x, i, off); !ok {
			return v, false
		}
	}
	if i > len(p) {
		return v, false
	}
	if v.start {
		v.parsePayloadHeader(p[i:])
	}
	return v, true
}

// parseExtended reads the I/L/T/K fields after the X byte.
func (v *vp8Info) parseExtended(p []byte, x byte, i, base int) (int, bool) {
	if x&0x80 != 0 { // I: PictureID
		if i >= len(p) {
			return 0, false
		}
		v.pidOff = base + i
		if p[i]&0x80 != 0 {
			if i+1 >= len(p) {
				return 0, false
			}
			v.pidLong = true
			v.pid = binary.BigEndian.Uint16(p[i:]) & 0x7FFF
			i += 2
		} else {
			v.pid = uint16(p[i] & 0x7F)
			i++
		}
	}
	if x&0x40 != 0 { // L: TL0PICIDX
		if i >= len(p) {
			return 0, false
		}
		v.tl0Off, v.tl0 = base+i, p[i]
		i++
	}
	if x&0x30 != 0 { // T or K: TID/Y/KEYIDX
		if i >= len(p) {
			return 0, false
		}
		if x&0x20 != 0 {
			v.hasTID, v.tid = true, p[i]>>6
		}
		i++
	}
	return i, true
}

// parsePayloadHeader reads the VP8 frame header (RFC 6386 §9.1): the
// inverse key-frame bit, and on keyframes the start code and frame size.
func (v *vp8Info) parsePayloadHeader(h []byte) {
	if len(h) < 3 || h[0]&0x01 != 0 {
		return
	}
	v.keyframe = true
	if len(h) >= 10 && h[3] == 0x9d && h[4] == 0x01 && h[5] == 0x2a {
		v.width = binary.LittleEndian.Uint16(h[6:]) & 0x3FFF
		v.height = binary.LittleEndian.Uint16(h[8:]) & 0x3FFF
	}
}

// writePictureID stores a PictureID in the descriptor, keeping its width.
func (v *vp8Info) writePictureID(pkt []byte, pid uint16) {
	if v.pidOff == 0 {
		return
	}
	if v.pid16 {
		binary.BigEndian.PutUint16(pkt[v.pidOff:], pid)
		return
	}
	if v.pidLong {
		binary.BigEndian.PutUint16(pkt[v.pidOff:], 0x8000|pid&0x7FFF)
		return
	}
	pkt[v.pidOff] = byte(pid & 0x7F)
}

// writeTL0 stores a TL0PICIDX in the descriptor.
func (v *vp8Info) writeTL0(pkt []byte, tl0 uint8) {
	if v.tl0Off != 0 {
		pkt[v.tl0Off] = tl0
	}
}

// pidMask is the PictureID modulus of this packet's descriptor.
func (v *vp8Info) pidMask() uint16 {
	if v.pid16 {
		return 0xFFFF
	}
	if v.pidLong {
		return 0x7FFF
	}
	return 0x7F
}
