package bridge

import (
	"encoding/binary"

	"github.com/pion/rtp"
)

// Packet classes by first byte (RFC 7983).
type packetClass uint8

const (
	classGarbage packetClass = iota
	classSTUN
	classDTLS
	classRTP
	classRTCP
)

// classify sorts a datagram by RFC 7983; RTCP is told from RTP by the
// payload-type byte (RFC 5761: 192..223 are RTCP packet types).
func classify(b []byte) packetClass {
	if len(b) == 0 {
		return classGarbage
	}
	switch f := b[0]; {
	case f <= 3:
		return classSTUN
	case f >= 20 && f <= 63:
		return classDTLS
	case f >= 128 && f <= 191:
		if len(b) < 12 {
			return classGarbage
		}
		if b[1] >= 192 && b[1] <= 223 {
			return classRTCP
		}
		return classRTP
	}
	return classGarbage
}

// rtpVerdict is what to do with one decrypted RTP packet.
type rtpVerdict uint8

const (
	verdictForward rtpVerdict = iota
	verdictKeep               // known but not forwarded (upper simulcast layer)
	verdictUnknownSSRC
	verdictBadPT
	verdictBadPacket
)

// inspectRTP parses a plaintext RTP packet against the sender's ingress
// table, neutralises its sdes:mid (and rid) extensions in place and says
// whether to forward it: a foreign mid would make the receiver's browser
// mis-route the packet. h is reused by the caller to avoid allocation.
func inspectRTP(pkt []byte, t *ingressTable, h *rtp.Header) (rtpVerdict, ssrcRoute) {
	if _, err := h.Unmarshal(pkt); err != nil || h.Version != 2 {
		return verdictBadPacket, ssrcRoute{}
	}
	route, ok := t.ssrcs[h.SSRC]
	if !ok {
		return verdictUnknownSSRC, ssrcRoute{}
	}
	if t.pts[h.PayloadType] != route.kind {
		return verdictBadPT, route
	}
	for _, id := range t.strip {
		if id != 0 {
			neutraliseExtension(pkt, id)
		}
	}
	if !route.forward {
		return verdictKeep, route
	}
	return verdictForward, route
}

// twccSeq returns the transport-wide sequence number of a parsed packet.
func twccSeq(h *rtp.Header, id uint8) (uint16, bool) {
	if id == 0 || !h.Extension {
		return 0, false
	}
	v := h.GetExtension(id)
	if len(v) < 2 {
		return 0, false
	}
	return binary.BigEndian.Uint16(v), true
}

// neutraliseExtension overwrites the RFC 8285 header-extension element with
// the given id by padding (zero bytes), in place and without changing the
// packet's length. It reports whether an element was found.
func neutraliseExtension(pkt []byte, id uint8) bool {
	start, end, profile, ok := extensionBlock(pkt)
	if !ok {
		return false
	}
	switch {
	case profile == 0xBEDE:
		return zeroOneByte(pkt[start:end], id)
	case profile&0xFFF0 == 0x1000:
		return zeroTwoByte(pkt[start:end], id)
	}
	return false
}

// extensionBlock locates the header-extension data of an RTP packet.
func extensionBlock(pkt []byte) (start, end int, profile uint16, ok bool) {
	if len(pkt) < 12 || pkt[0]&0x10 == 0 {
		return 0, 0, 0, false
	}
	off := 12 + 4*int(pkt[0]&0x0F)
	if len(pkt) < off+4 {
		return 0, 0, 0, false
	}
	profile = binary.BigEndian.Uint16(pkt[off:])
	end = off + 4 + 4*int(binary.BigEndian.Uint16(pkt[off+2:]))
	if end > len(pkt) {
		return 0, 0, 0, false
	}
	return off + 4, end, profile, true
}

func zeroOneByte(b []byte, id uint8) bool {
	found := false
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		eid, n := b[i]>>4, int(b[i]&0x0F)+1
		if eid == 15 || i+1+n > len(b) {
			break
		}
		if eid == id {
			clear(b[i : i+1+n])
			found = true
		}
		i += 1 + n
	}
	return found
}

func zeroTwoByte(b []byte, id uint8) bool {
	found := false
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		if i+1 >= len(b) {
			break
		}
		eid, n := b[i], int(b[i+1])
		if i+2+n > len(b) {
			break
		}
		if eid == id {
			clear(b[i : i+2+n])
			found = true
		}
		i += 2 + n
	}
	return found
}
