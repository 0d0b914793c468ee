package bridge

import (
	"encoding/binary"
	"hash/crc32"
	"net"
	"net/netip"
)

// stunGate is the media socket as pion's UDP mux reads it. It drops the
// STUN messages that RFC 8445 and RFC 8489 say to discard and pion's ICE
// agent would answer (docs/reliability.md M2, docs/reliability.md): a missing
// or wrong FINGERPRINT (ICE checks and their responses must carry one), an
// attribute after FINGERPRINT, lengths that do not add up, and unknown
// comprehension-required attributes (a request with one would get a 420
// answer; the bridge answers nothing, so there is no amplification and no
// peer-reflexive candidate for the source). Every other datagram passes
// untouched; the check costs a first-byte test for media.
type stunGate struct {
	*net.UDPConn
	dropped func()
	inbox   *relayInbox // datagrams from the in-process relay (relayinbox.go)
}

// ReadFromAddrPort is the allocation-free read the mux uses (pion's
// AddrPortReaderWriter); WriteToAddrPort is the write half.
func (g stunGate) ReadFromAddrPort(b []byte) (int, netip.AddrPort, error) {
	for {
		n, ap, err := g.read(b)
		if err != nil || stunAcceptable(b[:n]) {
			return n, ap, err
		}
		g.dropped()
	}
}

// read returns the next datagram: the relay's queued ones first, then the
// socket's; a wake-up from the relay (relayinbox.go) is not an error.
func (g stunGate) read(b []byte) (int, netip.AddrPort, error) {
	for {
		if n, ap, ok := g.inbox.take(b); ok {
			return n, ap, nil
		}
		n, ap, err := g.UDPConn.ReadFromUDPAddrPort(b)
		if err != nil && g.inbox.woken(err) {
			continue
		}
		return n, ap, err
	}
}

// WriteToAddrPort sends b to addr.
func (g stunGate) WriteToAddrPort(b []byte, addr netip.AddrPort) (int, error) {
	return g.UDPConn.WriteToUDPAddrPort(b, addr)
}

// ReadFrom filters like ReadFromAddrPort (the mux uses ReadFromAddrPort).
func (g stunGate) ReadFrom(b []byte) (int, net.Addr, error) {
	n, ap, err := g.ReadFromAddrPort(b)
	if err != nil {
		return n, nil, err
	}
	return n, net.UDPAddrFromAddrPort(ap), nil
}

const (
	stunHeaderLen    = 20
	stunMagicCookie  = 0x2112A442
	stunFingerprint  = 0x8028
	stunFingerprintX = 0x5354554e // XOR-ed into the CRC-32 (RFC 8489 §14.7)
	stunIndication   = 1          // class bits C1C0 = 01
)

// stunKnownRequired are the comprehension-required attributes (type below
// 0x8000) an ICE peer may send: RFC 8489 §18.3, RFC 8445 §16.1 (PRIORITY,
// USE-CANDIDATE), RFC 5780 (CHANGE-REQUEST, PADDING, RESPONSE-PORT).
func stunKnownRequired(t uint16) bool {
	switch t {
	case 0x0001, 0x0003, 0x0006, 0x0008, 0x0009, 0x000A, 0x0014, 0x0015, 0x001C, 0x001D, 0x001E,
		0x0020, 0x0024, 0x0025, 0x0026, 0x0027:
		return true
	}
	return false
}

// stunAcceptable reports false for a STUN message the bridge must discard.
// What pion takes for STUN (20 bytes or more with the magic cookie) is
// checked; anything else is left to the demultiplexer.
func stunAcceptable(b []byte) bool {
	if len(b) < stunHeaderLen || binary.BigEndian.Uint32(b[4:]) != stunMagicCookie {
		return true
	}
	if b[0] > 3 || stunHeaderLen+int(binary.BigEndian.Uint16(b[2:])) != len(b) {
		return false
	}
	fp, off := false, stunHeaderLen
	for off < len(b) {
		if fp || off+4 > len(b) {
			return false // FINGERPRINT must be last; no partial attribute header
		}
		typ, n := binary.BigEndian.Uint16(b[off:]), int(binary.BigEndian.Uint16(b[off+2:]))
		end := off + 4 + n
		if end > len(b) || typ < 0x8000 && !stunKnownRequired(typ) {
			return false
		}
		if typ == stunFingerprint {
			if n != 4 || crc32.ChecksumIEEE(b[:off])^stunFingerprintX != binary.BigEndian.Uint32(b[off+4:]) {
				return false
			}
			fp = true
		}
		off = end + (4-n%4)%4
	}
	if off != len(b) {
		return false
	}
	t := binary.BigEndian.Uint16(b)
	class := (t>>7)&2 | (t>>4)&1
	return fp || class == stunIndication
}
