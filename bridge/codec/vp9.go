package codec

// VP9 limits from the payload format: at most 3 reference indices per
// picture, 8 spatial layers in a scalability structure (N_S is 3 bits), and
// 255 pictures in a picture group (N_G is 8 bits).
const (
	VP9MaxRefs     = 3
	VP9MaxSpatial  = 8
	VP9MaxPGFrames = 255
)

// VP9PGFrame is one picture of the scalability structure's picture group.
type VP9PGFrame struct {
	TID   uint8
	U     bool
	R     uint8 // number of valid PDiff entries
	PDiff [VP9MaxRefs]uint8
}

// VP9SS is the scalability structure (V=1) of a VP9 payload descriptor.
type VP9SS struct {
	NS     uint8 // number of spatial layers (N_S + 1)
	Y      bool  // resolutions present
	G      bool  // picture group description present
	Width  [VP9MaxSpatial]uint16
	Height [VP9MaxSpatial]uint16
	NG     uint8 // number of pictures in the picture group
	PG     [VP9MaxPGFrames]VP9PGFrame
}

// VP9Descriptor is a parsed VP9 RTP payload descriptor (docs/codecs.md).
// Reuse one value across packets: Parse overwrites every field and does not
// allocate.
type VP9Descriptor struct {
	I, P, L, F, B, E, V, Z bool

	PictureID  uint16 // valid when I
	PIDLong    bool   // 15-bit picture ID (M=1)
	TID, SID   uint8  // valid when L
	U, D       bool   // valid when L
	TL0PICIDX  uint8  // valid when L && !F
	NumPDiff   uint8  // reference indices (F && P)
	PDiff      [VP9MaxRefs]uint8
	SS         VP9SS // valid when V
	HeaderSize int   // bytes of descriptor before the VP9 payload

	pidOff, tl0Off int // offsets into the parsed buffer; 0 = absent
}

// Keyframe reports whether the packet starts a keyframe: the first packet
// of a base-layer frame that is not inter-picture predicted.
func (d *VP9Descriptor) Keyframe() bool {
	return !d.P && d.B && (!d.L || d.SID == 0)
}

// Parse decodes the descriptor at the start of payload (the RTP payload).
func (d *VP9Descriptor) Parse(payload []byte) error {
	*d = VP9Descriptor{SS: VP9SS{}} // cheap: no pointers inside
	if len(payload) < 1 {
		return errVP9Short
	}
	b := payload[0]
	d.I, d.P, d.L, d.F = b&0x80 != 0, b&0x40 != 0, b&0x20 != 0, b&0x10 != 0
	d.B, d.E, d.V, d.Z = b&0x08 != 0, b&0x04 != 0, b&0x02 != 0, b&0x01 != 0
	pos := 1
	var err error
	if d.I {
		if pos, err = d.parsePictureID(payload, pos); err != nil {
			return err
		}
	}
	if d.L {
		if pos, err = d.parseLayers(payload, pos); err != nil {
			return err
		}
	}
	if d.F && d.P {
		if pos, err = d.parseRefs(payload, pos); err != nil {
			return err
		}
	}
	if d.V {
		if pos, err = d.SS.parse(payload, pos); err != nil {
			return err
		}
	}
	d.HeaderSize = pos
	return nil
}

func (d *VP9Descriptor) parsePictureID(p []byte, pos int) (int, error) {
	if pos >= len(p) {
		return pos, errVP9Short
	}
	d.pidOff = pos
	d.PictureID = uint16(p[pos] & 0x7F)
	if p[pos]&0x80 != 0 {
		pos++
		if pos >= len(p) {
			return pos, errVP9Short
		}
		d.PIDLong = true
		d.PictureID = d.PictureID<<8 | uint16(p[pos])
	}
	return pos + 1, nil
}

func (d *VP9Descriptor) parseLayers(p []byte, pos int) (int, error) {
	if pos >= len(p) {
		return pos, errVP9Short
	}
	b := p[pos]
	d.TID, d.U, d.SID, d.D = b>>5, b&0x10 != 0, (b>>1)&0x07, b&0x01 != 0
	pos++
	if d.F {
		return pos, nil
	}
	if pos >= len(p) {
		return pos, errVP9Short
	}
	d.tl0Off = pos
	d.TL0PICIDX = p[pos]
	return pos + 1, nil
}

func (d *VP9Descriptor) parseRefs(p []byte, pos int) (int, error) {
	for {
		if pos >= len(p) {
			return pos, errVP9Short
		}
		if d.NumPDiff == VP9MaxRefs {
			return pos, errVP9Refs
		}
		d.PDiff[d.NumPDiff] = p[pos] >> 1
		d.NumPDiff++
		more := p[pos]&0x01 != 0
		pos++
		if !more {
			return pos, nil
		}
	}
}

func (s *VP9SS) parse(p []byte, pos int) (int, error) {
	if pos >= len(p) {
		return pos, errVP9Short
	}
	s.NS = p[pos]>>5 + 1
	s.Y, s.G = p[pos]&0x10 != 0, p[pos]&0x08 != 0
	pos++
	if s.Y {
		if len(p)-pos < 4*int(s.NS) {
			return pos, errVP9Short
		}
		for i := 0; i < int(s.NS); i++ {
			s.Width[i] = uint16(p[pos])<<8 | uint16(p[pos+1])
			s.Height[i] = uint16(p[pos+2])<<8 | uint16(p[pos+3])
			pos += 4
		}
	}
	if !s.G {
		return pos, nil
	}
	if pos >= len(p) {
		return pos, errVP9Short
	}
	s.NG = p[pos]
	pos++
	for i := 0; i < int(s.NG); i++ {
		if pos >= len(p) {
			return pos, errVP9Short
		}
		f := &s.PG[i]
		f.TID, f.U, f.R = p[pos]>>5, p[pos]&0x10 != 0, (p[pos]>>2)&0x03
		pos++
		if len(p)-pos < int(f.R) {
			return pos, errVP9Short
		}
		copy(f.PDiff[:], p[pos:pos+int(f.R)])
		pos += int(f.R)
	}
	return pos, nil
}

// SetPictureID rewrites the picture ID of the descriptor most recently
// parsed from payload, in place and keeping its width (a 7-bit ID is
// written modulo 128, a 15-bit one modulo 32768).
func (d *VP9Descriptor) SetPictureID(payload []byte, pid uint16) error {
	if d.pidOff == 0 || d.pidOff+1 > len(payload) || (d.PIDLong && d.pidOff+2 > len(payload)) {
		return errVP9NoPID
	}
	if d.PIDLong {
		pid &= 0x7FFF
		payload[d.pidOff] = 0x80 | byte(pid>>8)
		payload[d.pidOff+1] = byte(pid)
	} else {
		pid &= 0x7F
		payload[d.pidOff] = byte(pid)
	}
	d.PictureID = pid
	return nil
}

// SetTL0PICIDX rewrites TL0PICIDX (non-flexible mode) in place.
func (d *VP9Descriptor) SetTL0PICIDX(payload []byte, v uint8) error {
	if d.tl0Off == 0 || d.tl0Off >= len(payload) {
		return errVP9NoTL0
	}
	payload[d.tl0Off] = v
	d.TL0PICIDX = v
	return nil
}

// Offsets returns where the picture ID and TL0PICIDX of the parsed
// descriptor start, relative to the payload (0: absent), for callers that
// rewrite a copy of the packet.
func (d *VP9Descriptor) Offsets() (pictureID, tl0 int) { return d.pidOff, d.tl0Off }
