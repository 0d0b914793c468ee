package media

import (
	"bytes"
	"io"
	"testing"

	"github.com/pion/rtp"
)

// splitPackets cuts fuzz input into RTP packets: each is a one-byte length
// followed by that many bytes, parsed with rtp.Packet.Unmarshal.
func splitPackets(b []byte) []*rtp.Packet {
	var out []*rtp.Packet
	for len(b) > 0 {
		n := int(b[0])
		b = b[1:]
		n = min(n, len(b))
		var p rtp.Packet
		if p.Unmarshal(bytes.Clone(b[:n])) == nil {
			out = append(out, &p)
		}
		b = b[n:]
	}
	return out
}

func seedPackets(f *testing.F, pkts []*rtp.Packet) {
	var seed []byte
	for _, p := range pkts {
		raw, err := p.Marshal()
		if err != nil || len(raw) > 255 {
			continue
		}
		seed = append(append(seed, byte(len(raw))), raw...)
	}
	f.Add(seed)
}

func FuzzOpus(f *testing.F) {
	seedPackets(f, []*rtp.Packet{opusPacket(1, 960), opusPacket(2, 1920), opusPacket(40, 99999)})
	f.Fuzz(func(t *testing.T, b []byte) {
		o, err := NewOpus(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range splitPackets(b) {
			_ = o.Push(p)
		}
		_ = o.Close()
	})
}

func FuzzVP8(f *testing.F) {
	var seq uint16
	var pkts []*rtp.Packet
	for i := range 4 {
		pkts = append(pkts, vp8Packets(&seq, uint32(i)*3000, vp8Frame(i == 0, 120))...)
	}
	seedPackets(f, pkts)
	f.Fuzz(func(t *testing.T, b []byte) {
		v, err := NewVP8(io.Discard)
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range splitPackets(b) {
			_ = v.Push(p)
		}
		_ = v.Close()
	})
}
