package media

import (
	"bytes"
	"encoding/binary"
	"errors"
	"testing"

	"github.com/pion/rtp"
)

// opusPacket returns an RTP packet with a 20 ms CELT frame.
func opusPacket(seq uint16, ts uint32) *rtp.Packet {
	return &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: seq, Timestamp: ts, SSRC: 1},
		Payload: []byte{0xfc, 0x01, 0x02, 0x03}}
}

func TestOpusGaps(t *testing.T) {
	tests := []struct {
		name       string
		seqs       []uint16 // packet i has timestamp 960*seq
		wantFrames int
		wantFilled int
	}{
		{"in order", []uint16{0, 1, 2, 3, 4}, 5, 0},
		{"reordered", []uint16{0, 2, 1, 3, 4}, 5, 0},
		{"one lost", []uint16{0, 1, 3, 4}, 5, 1},
		{"long silence (DTX)", []uint16{0, 1, 100, 101}, 102, 98},
		{"duplicate", []uint16{0, 1, 1, 2}, 3, 0},
		{"wraps", []uint16{65534, 65535, 0, 1}, 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			o, err := NewOpus(&out)
			if err != nil {
				t.Fatal(err)
			}
			for _, s := range tc.seqs {
				if err := o.Push(opusPacket(s, 5000+uint32(s-tc.seqs[0])*960)); err != nil {
					t.Fatal(err)
				}
			}
			if err := o.Close(); err != nil {
				t.Fatal(err)
			}
			if o.Frames != tc.wantFrames || o.Filled != tc.wantFilled {
				t.Fatalf("frames %d filled %d, want %d %d", o.Frames, o.Filled, tc.wantFrames, tc.wantFilled)
			}
			if !bytes.HasPrefix(out.Bytes(), []byte("OggS")) {
				t.Fatal("not an Ogg stream")
			}
		})
	}
}

func TestOpusEmpty(t *testing.T) {
	o, err := NewOpus(&bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if err := o.Close(); !errors.Is(err, ErrNoMedia) {
		t.Fatalf("err %v, want ErrNoMedia", err)
	}
}

func TestSamplesOf(t *testing.T) {
	tests := []struct {
		p    []byte
		want int
	}{
		{[]byte{0xf8}, 960},        // CELT FB 20 ms
		{[]byte{0x78}, 960},        // hybrid... SILK WB 20 ms? config 15: hybrid FB 20 ms
		{[]byte{0x08}, 960},        // SILK NB 20 ms
		{[]byte{0x18}, 2880},       // SILK NB 60 ms
		{[]byte{0xf9}, 1920},       // two CELT 20 ms frames
		{[]byte{0xfb, 0x03}, 2880}, // code 3, three frames
		{[]byte{0xfb}, 960},        // code 3 without count: fallback
		{[]byte{0x1b, 0x3f}, 960},  // 63 × 60 ms is over 120 ms: fallback
	}
	for _, tc := range tests {
		if got := samplesOf(tc.p); got != tc.want {
			t.Errorf("samplesOf(%x) = %d, want %d", tc.p, got, tc.want)
		}
	}
}

// vp8Frame returns a fake VP8 frame: key frames have bit 0 clear.
func vp8Frame(key bool, n int) []byte {
	f := bytes.Repeat([]byte{0x55}, n)
	f[0] = 0x01
	if key {
		f[0] = 0x00
	}
	return f
}

// vp8Packets splits a frame into RTP packets of at most 100 payload bytes.
func vp8Packets(seq *uint16, ts uint32, frame []byte) []*rtp.Packet {
	var out []*rtp.Packet
	for i := 0; i < len(frame); i += 100 {
		end := min(i+100, len(frame))
		desc := byte(0)
		if i == 0 {
			desc = 0x10
		}
		p := &rtp.Packet{Header: rtp.Header{Version: 2, SequenceNumber: *seq, Timestamp: ts, SSRC: 2, Marker: end == len(frame)},
			Payload: append([]byte{desc}, frame[i:end]...)}
		*seq++
		out = append(out, p)
	}
	return out
}

func TestVP8Loss(t *testing.T) {
	var seq uint16 = 1000
	var pkts []*rtp.Packet
	for i := range 100 {
		pkts = append(pkts, vp8Packets(&seq, uint32(i)*3000, vp8Frame(i%30 == 0, 250))...)
	}
	// Frames are 3 packets each: drop the middle packet of frame 2.
	lost := append(append([]*rtp.Packet{}, pkts[:7]...), pkts[8:]...)
	tests := []struct {
		name       string
		pkts       []*rtp.Packet
		wantFrames int
	}{
		{"clean", pkts, 100},
		{"packet of frame 2 lost", lost, 2 + 70}, // frames 0, 1, then from key frame 30 on
		{"starts without key frame", pkts[9:], 70},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			v, err := NewVP8(&out)
			if err != nil {
				t.Fatal(err)
			}
			for _, p := range tc.pkts {
				cp := *p
				if err := v.Push(&cp); err != nil {
					t.Fatal(err)
				}
			}
			if err := v.Close(); err != nil {
				t.Fatal(err)
			}
			if v.Frames != tc.wantFrames {
				t.Fatalf("frames %d (dropped %d), want %d", v.Frames, v.Dropped, tc.wantFrames)
			}
			b := out.Bytes()
			if string(b[:4]) != "DKIF" || binary.LittleEndian.Uint32(b[16:]) != 90000 {
				t.Fatalf("IVF header %x", b[:32])
			}
			// First frame header: size, then pts 0; its frame is a key frame.
			if pts := binary.LittleEndian.Uint64(b[36:]); pts != 0 || !keyframe(b[44:]) {
				t.Fatalf("first frame pts %d key %v", pts, keyframe(b[44:]))
			}
		})
	}
}
