package bridge

// Opus RED (RFC 2198) towards receivers: a RED packet goes as it is to
// receivers that were offered RED and with only its primary block, as
// plain Opus, to the others (docs/codecs.md#red-forwarding).

// stripRED writes pkt without its redundant blocks into the forwarder's
// RED scratch buffer: the same RTP header with the primary block's payload
// type and no padding, then the primary block. ok is false for a payload
// that does not parse or has an empty primary block (nothing to play).
func (f *forwarder) stripRED(pkt []byte) (out []byte, ok bool) {
	start, end, ok := rtpPayload(pkt)
	if !ok || f.red.Parse(pkt[start:end]) != nil || f.red.Primary.Len == 0 {
		return nil, false
	}
	prim := f.red.Primary
	d := append(f.redBuf[:0], pkt[:start]...)
	d[0] &^= 0x20 // padding was cut off with the payload
	d[1] = d[1]&0x80 | prim.PT
	d = append(d, pkt[start+prim.Off:start+prim.Off+prim.Len]...)
	f.redBuf = d[:0]
	return d, true
}

// audioFor is what one receiver gets of an audio packet with payload type
// pt: the packet itself when it was offered pt, the stripped RED packet
// (computed once per packet into *stripped) when pt is RED and it was
// offered the primary's payload type, otherwise nothing.
func (f *forwarder) audioFor(r *downlink, pkt []byte, pt uint8, red bool, stripped *[]byte) []byte {
	if r.accepts(pt, kindAudio) && (!red || r.ep != nil) { // attached receivers (the recorder) get plain Opus
		return pkt
	}
	if !red {
		return nil
	}
	if *stripped == nil {
		s, ok := f.stripRED(pkt)
		if !ok {
			return nil
		}
		*stripped = s
	}
	if !r.accepts((*stripped)[1], kindAudio) {
		return nil
	}
	return *stripped
}
