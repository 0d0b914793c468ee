package codec

import (
	"bytes"
	"errors"
	"testing"
)

// redHeader lays out one RFC 2198 redundant block header by hand:
// F=1, PT(7), timestamp offset(14), block length(10).
func redHeader(pt uint8, ts uint16, n int) []byte {
	return []byte{0x80 | pt, byte(ts >> 6), byte(ts<<2) | byte(n>>8), byte(n)}
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func TestREDParse(t *testing.T) {
	long := bytes.Repeat([]byte{7}, 1023)
	tests := []struct {
		name    string
		pkt     []byte
		red     []REDBlock
		primary REDBlock
	}{
		{"primary only", []byte{111, 1, 2, 3}, nil, REDBlock{PT: 111, Off: 1, Len: 3}},
		{"one redundant (Chrome distance 1)", cat(redHeader(111, 960, 3), []byte{111}, []byte{9, 9, 9}, []byte{1, 2}),
			[]REDBlock{{PT: 111, TSOffset: 960, Off: 5, Len: 3}}, REDBlock{PT: 111, Off: 8, Len: 2}},
		{"two redundant, max fields", cat(redHeader(111, 0x3FFF, 1023), redHeader(100, 1920, 0), []byte{0x7F}, long, []byte{5}),
			[]REDBlock{{PT: 111, TSOffset: 0x3FFF, Off: 9, Len: 1023}, {PT: 100, TSOffset: 1920, Off: 1032, Len: 0}},
			REDBlock{PT: 0x7F, Off: 1032, Len: 1}},
		{"empty primary (DTX)", cat(redHeader(111, 960, 2), []byte{111, 4, 4}),
			[]REDBlock{{PT: 111, TSOffset: 960, Off: 5, Len: 2}}, REDBlock{PT: 111, Off: 7, Len: 0}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r RED
			if err := r.Parse(tc.pkt); err != nil {
				t.Fatal(err)
			}
			if r.NumRedundant != len(tc.red) || r.Primary != tc.primary {
				t.Fatalf("parsed %d redundant, primary %+v; want %d, %+v", r.NumRedundant, r.Primary, len(tc.red), tc.primary)
			}
			for i, b := range tc.red {
				if r.Redundant[i] != b {
					t.Errorf("block %d = %+v, want %+v", i, r.Redundant[i], b)
				}
			}
			out, err := AppendRED(nil, tc.pkt, r.Redundant[:r.NumRedundant], r.Primary)
			if err != nil || !bytes.Equal(out, tc.pkt) {
				t.Fatalf("re-encoded %x (%v), want %x", out, err, tc.pkt)
			}
		})
	}
}

func TestREDErrors(t *testing.T) {
	tests := []struct {
		name string
		pkt  []byte
		want error
	}{
		{"empty", nil, ErrShort},
		{"header cut", []byte{0xEF, 0x0F, 0x00}, ErrShort},
		{"no primary header", redHeader(111, 960, 0), ErrShort},
		{"block longer than packet", cat(redHeader(111, 960, 5), []byte{111, 1, 2}), ErrShort},
		{"too many blocks", cat(bytes.Repeat(redHeader(111, 1, 0), REDMaxRedundant+1), []byte{111}), ErrInvalid},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var r RED
			if err := r.Parse(tc.pkt); !errors.Is(err, tc.want) {
				t.Fatalf("Parse = %v, want %v", err, tc.want)
			}
		})
	}
	if _, err := AppendRED(nil, make([]byte, 2000), []REDBlock{{Len: 1024}}, REDBlock{}); !errors.Is(err, ErrInvalid) {
		t.Fatalf("AppendRED with a 1024-byte block = %v, want ErrInvalid", err)
	}
}

func TestREDZeroAllocs(t *testing.T) {
	pkt := cat(redHeader(111, 1920, 2), redHeader(111, 960, 3), []byte{111}, []byte{1, 1, 2, 2, 2, 3, 3, 3})
	var r RED
	buf := make([]byte, 0, 64)
	allocs := testing.AllocsPerRun(200, func() {
		if r.Parse(pkt) != nil {
			t.Fatal("parse failed")
		}
		// stripping for a receiver without RED: keep only the primary block
		if _, err := AppendRED(buf[:0], pkt, nil, r.Primary); err != nil {
			t.Fatal(err)
		}
		_ = r.Parse(pkt[:3])
	})
	if allocs != 0 {
		t.Fatalf("%v allocations per run, want 0", allocs)
	}
}

func BenchmarkREDParse(b *testing.B) {
	pkt := cat(redHeader(111, 1920, 40), redHeader(111, 960, 40), []byte{111}, make([]byte, 120))
	var r RED
	b.ReportAllocs()
	for b.Loop() {
		if r.Parse(pkt) != nil {
			b.Fatal("parse failed")
		}
	}
}

// FuzzRED checks that Parse never panics, that the blocks it reports lie
// inside the payload and tile it after the headers, and that re-encoding
// the parsed blocks reproduces the payload byte for byte.
func FuzzRED(f *testing.F) {
	f.Add(cat(redHeader(111, 960, 3), []byte{111}, []byte{9, 9, 9}, []byte{1, 2}))
	f.Add([]byte{111, 1, 2, 3})
	f.Fuzz(func(t *testing.T, pkt []byte) {
		var r RED
		if r.Parse(pkt) != nil {
			return
		}
		end := 4*r.NumRedundant + 1
		for _, b := range append(r.Redundant[:r.NumRedundant:r.NumRedundant], r.Primary) {
			if b.Off != end || b.Len < 0 {
				t.Fatalf("block %+v does not start at %d", b, end)
			}
			end += b.Len
		}
		if end != len(pkt) {
			t.Fatalf("blocks end at %d, payload at %d", end, len(pkt))
		}
		out, err := AppendRED(nil, pkt, r.Redundant[:r.NumRedundant], r.Primary)
		if err != nil || !bytes.Equal(out, pkt) {
			t.Fatalf("re-encoded %x (%v), want %x", out, err, pkt)
		}
	})
}
