package codec

// SetActiveDecodeTargets rewrites, in place, the active decode targets
// bitmask of the descriptor f was parsed from. It fails with ErrNotPresent
// when the packet carries no bitmask; use AppendActiveDecodeTargets then.
func (f *DDFrame) SetActiveDecodeTargets(ext []byte, mask uint32) error {
	if f.adtBits == 0 || (f.adtInsert+f.adtBits+7)/8 > len(ext) {
		return errDDNoMask
	}
	putBits(ext, f.adtInsert, mask, f.adtBits)
	return nil
}

// ActiveTargetsSize is the length AppendActiveDecodeTargets produces for
// the descriptor f was parsed from.
func (f *DDFrame) ActiveTargetsSize() int {
	bits := f.endBits - f.adtBits + int(f.DTCount)
	if !f.extended {
		bits += 5
	}
	return (bits + 7) / 8
}

// AppendActiveDecodeTargets appends to dst a copy of the descriptor ext
// (which f was parsed from) that carries mask as its active decode targets
// bitmask, adding the extended fields if ext had none. It does not allocate
// when dst has ActiveTargetsSize() bytes of spare capacity.
func (f *DDFrame) AppendActiveDecodeTargets(dst, ext []byte, mask uint32) []byte {
	n := f.ActiveTargetsSize()
	start := len(dst)
	dst = grow(dst, n)
	out := dst[start:]
	clear(out)
	copyBits(out, 0, ext, 0, 24)
	pos := 24
	if f.extended {
		copyBits(out, 24, ext, 24, f.adtInsert-24)
		putBit(out, 25, 1)
		pos = f.adtInsert
	} else {
		putBits(out, 24, 0b01000, 5)
		pos = 29
	}
	putBits(out, pos, mask, int(f.DTCount))
	pos += int(f.DTCount)
	rest := f.endBits - f.adtInsert - f.adtBits
	if f.extended && rest > 0 {
		copyBits(out, pos, ext, f.adtInsert+f.adtBits, rest)
	}
	return dst
}

func grow(b []byte, n int) []byte {
	if cap(b)-len(b) >= n {
		return b[:len(b)+n]
	}
	nb := make([]byte, len(b)+n, 2*len(b)+n)
	copy(nb, b)
	return nb
}
