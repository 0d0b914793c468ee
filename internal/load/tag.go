package load

import "encoding/binary"

// tagLen is the size of the payload tag at the end of every payload.
const tagLen = 24

// tagMagic marks a payload written by this tool.
const tagMagic = 0x4d4c5431 // "MLT1"

// layerAudio is the tag's layer value for Opus packets.
const layerAudio = 3

// Tag flags.
const (
	flagKeyframe = 1 << iota
)

// tag identifies one media packet: who sent it, which layer and frame,
// which packet of that frame, and when (ns since the run's epoch).
type tag struct {
	sender  uint16
	layer   uint8
	flags   uint8
	frame   uint32
	index   uint16
	packets uint16
	sent    int64
}

// put writes t into the last tagLen bytes of payload.
func (t *tag) put(payload []byte) {
	b := payload[len(payload)-tagLen:]
	binary.BigEndian.PutUint32(b, tagMagic)
	binary.BigEndian.PutUint16(b[4:], t.sender)
	b[6], b[7] = t.layer, t.flags
	binary.BigEndian.PutUint32(b[8:], t.frame)
	binary.BigEndian.PutUint16(b[12:], t.index)
	binary.BigEndian.PutUint16(b[14:], t.packets)
	binary.BigEndian.PutUint64(b[16:], uint64(t.sent))
}

// parseTag reads the tag at the end of payload; false if there is none.
func parseTag(payload []byte, t *tag) bool {
	if len(payload) < tagLen {
		return false
	}
	b := payload[len(payload)-tagLen:]
	if binary.BigEndian.Uint32(b) != tagMagic {
		return false
	}
	t.sender = binary.BigEndian.Uint16(b[4:])
	t.layer, t.flags = b[6], b[7]
	t.frame = binary.BigEndian.Uint32(b[8:])
	t.index = binary.BigEndian.Uint16(b[12:])
	t.packets = binary.BigEndian.Uint16(b[14:])
	t.sent = int64(binary.BigEndian.Uint64(b[16:]))
	return t.packets > 0 && t.index < t.packets
}

// stampSent overwrites the send time of the tag in b (the last tagLen
// bytes of a payload), at the moment the packet leaves the pacer.
func stampSent(b []byte, sent int64) {
	if binary.BigEndian.Uint32(b) == tagMagic {
		binary.BigEndian.PutUint64(b[16:], uint64(sent))
	}
}
