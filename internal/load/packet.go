package load

import "encoding/binary"

// rtpHeaderLen is the fixed RTP header without CSRCs.
const rtpHeaderLen = 12

// hdrExt is one RFC 8285 header extension element to write.
type hdrExt struct {
	id  uint8
	val []byte
}

// rtpHead is what writeRTPHeader needs for one packet.
type rtpHead struct {
	marker bool
	pt     uint8
	seq    uint16
	ts     uint32
	ssrc   uint32
}

// writeRTPHeader appends an RTP header with extensions to dst: one-byte
// elements, or two-byte ones when an element exceeds 16 bytes (the AV1
// dependency descriptor with its structure; the offer allows mixing).
func writeRTPHeader(dst []byte, h rtpHead, exts []hdrExt) []byte {
	b0 := byte(0x80)
	if len(exts) > 0 {
		b0 |= 0x10
	}
	b1 := h.pt & 0x7f
	if h.marker {
		b1 |= 0x80
	}
	dst = append(dst, b0, b1)
	dst = binary.BigEndian.AppendUint16(dst, h.seq)
	dst = binary.BigEndian.AppendUint32(dst, h.ts)
	dst = binary.BigEndian.AppendUint32(dst, h.ssrc)
	if len(exts) == 0 {
		return dst
	}
	n, twoByte := 0, false
	for _, x := range exts {
		n += 1 + len(x.val)
		twoByte = twoByte || len(x.val) > 16
	}
	if twoByte {
		n += len(exts)
	}
	words := (n + 3) / 4
	if twoByte {
		dst = append(dst, 0x10, 0x00)
	} else {
		dst = append(dst, 0xBE, 0xDE)
	}
	dst = binary.BigEndian.AppendUint16(dst, uint16(words))
	for _, x := range exts {
		if twoByte {
			dst = append(dst, x.id, byte(len(x.val)))
		} else {
			dst = append(dst, x.id<<4|byte(len(x.val)-1))
		}
		dst = append(dst, x.val...)
	}
	for i := n; i < 4*words; i++ {
		dst = append(dst, 0)
	}
	return dst
}

// rtpView is what a receiver reads from the clear part of an (S)RTP packet.
type rtpView struct {
	pt     uint8
	seq    uint16
	ssrc   uint32
	twcc   uint16
	hasTW  bool
	hdrLen int
}

// parseRTPHeader reads the clear header; twccID 0 skips the extension.
func parseRTPHeader(b []byte, twccID uint8, v *rtpView) bool {
	if len(b) < rtpHeaderLen || b[0]>>6 != 2 {
		return false
	}
	v.pt = b[1] & 0x7f
	v.seq = binary.BigEndian.Uint16(b[2:])
	v.ssrc = binary.BigEndian.Uint32(b[8:])
	v.hasTW = false
	off := rtpHeaderLen + 4*int(b[0]&0x0f)
	if b[0]&0x10 == 0 {
		v.hdrLen = off
		return len(b) >= off
	}
	if len(b) < off+4 {
		return false
	}
	profile := binary.BigEndian.Uint16(b[off:])
	end := off + 4 + 4*int(binary.BigEndian.Uint16(b[off+2:]))
	if end > len(b) {
		return false
	}
	v.hdrLen = end
	switch {
	case twccID == 0:
	case profile == 0xBEDE:
		v.twcc, v.hasTW = findOneByte(b[off+4:end], twccID)
	case profile&0xfff0 == 0x1000:
		v.twcc, v.hasTW = findTwoByte(b[off+4:end], twccID)
	}
	return true
}

// findOneByte returns the 16-bit value of a one-byte extension element.
func findOneByte(b []byte, id uint8) (uint16, bool) {
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		eid, n := b[i]>>4, int(b[i]&0x0f)+1
		if eid == 15 || i+1+n > len(b) {
			return 0, false
		}
		if eid == id && n >= 2 {
			return binary.BigEndian.Uint16(b[i+1:]), true
		}
		i += 1 + n
	}
	return 0, false
}

// findTwoByte returns the 16-bit value of a two-byte extension element.
func findTwoByte(b []byte, id uint8) (uint16, bool) {
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		if i+2 > len(b) {
			return 0, false
		}
		eid, n := b[i], int(b[i+1])
		if i+2+n > len(b) {
			return 0, false
		}
		if eid == id && n >= 2 {
			return binary.BigEndian.Uint16(b[i+2:]), true
		}
		i += 2 + n
	}
	return 0, false
}

// isRTCP tells RTCP from RTP by the payload-type byte (RFC 5761).
func isRTCP(b []byte) bool { return len(b) >= 8 && b[1] >= 192 && b[1] <= 223 }

// isDTLS reports a DTLS record by its first byte (RFC 7983).
func isDTLS(b []byte) bool { return len(b) > 0 && b[0] >= 20 && b[0] <= 63 }
