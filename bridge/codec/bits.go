package codec

// bitReader reads MSB-first bit fields. Reading past the end yields zeros
// and sets over, so parsers check over once per section instead of per call.
type bitReader struct {
	b    []byte
	pos  int // in bits
	over bool
}

func (r *bitReader) f(n int) uint32 {
	var v uint32
	for i := 0; i < n; i++ {
		byteIdx := r.pos >> 3
		if byteIdx >= len(r.b) {
			r.over = true
			return 0
		}
		v = v<<1 | uint32(r.b[byteIdx]>>(7-uint(r.pos&7)))&1
		r.pos++
	}
	return v
}

// ns reads a non-symmetric unsigned value in [0, n) (AV1 spec 4.10.7).
func (r *bitReader) ns(n uint32) uint32 {
	w := 0
	for x := n; x != 0; x >>= 1 {
		w++
	}
	if w == 0 {
		return 0
	}
	m := uint32(1)<<w - n
	v := r.f(w - 1)
	if v < m {
		return v
	}
	return v<<1 - m + r.f(1)
}

// copyBits copies n bits from src at bit offset from to dst at bit offset
// to. dst must be long enough; bits beyond src's end are zero.
func copyBits(dst []byte, to int, src []byte, from, n int) {
	for i := 0; i < n; i++ {
		var bit byte
		if j := (from + i) >> 3; j < len(src) {
			bit = src[j] >> (7 - uint((from+i)&7)) & 1
		}
		putBit(dst, to+i, bit)
	}
}

func putBits(dst []byte, to int, v uint32, n int) {
	for i := 0; i < n; i++ {
		putBit(dst, to+i, byte(v>>(n-1-i))&1)
	}
}

func putBit(dst []byte, pos int, bit byte) {
	mask := byte(0x80) >> uint(pos&7)
	if bit != 0 {
		dst[pos>>3] |= mask
	} else {
		dst[pos>>3] &^= mask
	}
}
