package codec

// REDMaxRedundant bounds the redundant blocks kept per packet; browsers
// send at most two (docs/codecs.md), the format allows any number.
const REDMaxRedundant = 8

// REDBlock is one block of a RED payload: its payload type, how far its
// timestamp lies before the packet's (0 for the primary), and where its
// data is in the parsed payload.
type REDBlock struct {
	PT       uint8
	TSOffset uint16
	Off, Len int
}

// RED is a parsed RED (RFC 2198) payload. Reuse one value across packets:
// Parse overwrites it and does not allocate.
type RED struct {
	NumRedundant int
	Redundant    [REDMaxRedundant]REDBlock // oldest first, as sent
	Primary      REDBlock
}

// Parse decodes the block headers of a RED payload and checks that the
// blocks they announce fit.
func (r *RED) Parse(payload []byte) error {
	r.NumRedundant = 0
	pos, data := 0, 0
	for {
		if pos >= len(payload) {
			return errREDShort
		}
		h := payload[pos]
		if h&0x80 == 0 {
			r.Primary = REDBlock{PT: h & 0x7F}
			pos++
			break
		}
		if len(payload)-pos < 4 {
			return errREDShort
		}
		if r.NumRedundant == REDMaxRedundant {
			return errREDBlocks
		}
		r.Redundant[r.NumRedundant] = REDBlock{PT: h & 0x7F,
			TSOffset: uint16(payload[pos+1])<<6 | uint16(payload[pos+2]>>2),
			Len:      int(payload[pos+2]&0x03)<<8 | int(payload[pos+3])}
		data += r.Redundant[r.NumRedundant].Len
		r.NumRedundant++
		pos += 4
	}
	if len(payload)-pos < data {
		return errREDShort
	}
	for i := 0; i < r.NumRedundant; i++ {
		r.Redundant[i].Off = pos
		pos += r.Redundant[i].Len
	}
	r.Primary.Off, r.Primary.Len = pos, len(payload)-pos
	return nil
}

// AppendRED appends a RED payload carrying the redundant blocks and the
// primary block, whose data is read from src at each block's Off/Len.
// Blocks longer than 1023 bytes or timestamp offsets beyond 14 bits cannot
// be represented and make it fail with ErrInvalid.
func AppendRED(dst, src []byte, redundant []REDBlock, primary REDBlock) ([]byte, error) {
	for _, b := range redundant {
		if b.Len > 0x3FF || b.TSOffset > 0x3FFF || b.Off < 0 || b.Len < 0 || b.Off+b.Len > len(src) {
			return dst, errREDBlock
		}
	}
	if primary.Off < 0 || primary.Len < 0 || primary.Off+primary.Len > len(src) {
		return dst, errREDBlock
	}
	for _, b := range redundant {
		dst = append(dst, 0x80|b.PT&0x7F, byte(b.TSOffset>>6), byte(b.TSOffset<<2)|byte(b.Len>>8), byte(b.Len))
	}
	dst = append(dst, primary.PT&0x7F)
	for _, b := range redundant {
		dst = append(dst, src[b.Off:b.Off+b.Len]...)
	}
	return append(dst, src[primary.Off:primary.Off+primary.Len]...), nil
}
