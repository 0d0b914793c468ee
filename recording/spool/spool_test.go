package spool

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func writeSample(t *testing.T, n int) (*Writer, []Record) {
	t.Helper()
	w, err := Create(filepath.Join(t.TempDir(), "rec.spool"))
	if err != nil {
		t.Fatal(err)
	}
	var want []Record
	info := TrackInfo{Media: Video, Participant: "ab12cd34", Name: "Dr. Jane Example"}
	want = append(want, Record{Kind: KindTrack, Track: 1, At: time.Unix(10, 0), Data: info.Encode()})
	for i := range n {
		data := bytes.Repeat([]byte("SECRETPAYLOAD"), i%7+1)
		want = append(want, Record{Kind: KindRTP, Track: uint16(i % 3), At: time.Unix(10, int64(i)), Data: data})
	}
	for _, r := range want {
		if err := w.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return w, want
}

func readAll(r *Reader) ([]Record, error) {
	var out []Record
	for {
		rec, err := r.Next()
		if err != nil {
			return out, err
		}
		rec.Data = bytes.Clone(rec.Data)
		out = append(out, rec)
	}
}

func TestRoundTrip(t *testing.T) {
	w, want := writeSample(t, 500)
	r, err := w.Open()
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	got, err := readAll(r)
	if err != io.EOF {
		t.Fatalf("end: %v", err)
	}
	if len(got) != len(want) {
		t.Fatalf("got %d records, want %d", len(got), len(want))
	}
	for i := range want {
		if got[i].Kind != want[i].Kind || got[i].Track != want[i].Track || !got[i].At.Equal(want[i].At) || !bytes.Equal(got[i].Data, want[i].Data) {
			t.Fatalf("record %d differs", i)
		}
	}
	info, err := DecodeTrackInfo(got[0].Data)
	if err != nil || info.Name != "Dr. Jane Example" || info.Media != Video {
		t.Fatalf("track info %+v %v", info, err)
	}
}

func TestAtRest(t *testing.T) {
	w, _ := writeSample(t, 100)
	st, err := os.Stat(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	if st.Mode().Perm() != 0o600 {
		t.Errorf("mode %v, want 0600", st.Mode().Perm())
	}
	raw, err := os.ReadFile(w.Path())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"SECRETPAYLOAD", "Jane", "ab12cd34"} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("plaintext %q found in the spool file", s)
		}
	}
}

func TestDamage(t *testing.T) {
	tests := []struct {
		name    string
		damage  func(b []byte) []byte
		wantErr error
		key     func(k []byte) []byte
	}{
		{"flipped bit", func(b []byte) []byte { b[len(b)/2] ^= 1; return b }, ErrCorrupt, nil},
		{"truncated tail", func(b []byte) []byte { return b[:len(b)-5] }, io.ErrUnexpectedEOF, nil},
		{"huge length", func(b []byte) []byte { b[0] = 0xff; return b }, ErrCorrupt, nil},
		{"wrong key", func(b []byte) []byte { return b }, ErrCorrupt, func(k []byte) []byte { k[0] ^= 1; return k }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, _ := writeSample(t, 50)
			raw, err := os.ReadFile(w.Path())
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(w.Path(), tc.damage(raw), 0o600); err != nil {
				t.Fatal(err)
			}
			key := bytes.Clone(w.key)
			if tc.key != nil {
				key = tc.key(key)
			}
			r, err := Open(w.Path(), key)
			if err != nil {
				t.Fatal(err)
			}
			defer r.Close()
			if _, err := readAll(r); !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
		})
	}
}

func TestForget(t *testing.T) {
	w, _ := writeSample(t, 1)
	w.Forget()
	if _, err := w.Open(); !errors.Is(err, ErrClosed) {
		t.Fatalf("open after forget: %v", err)
	}
	if err := w.Append(Record{Kind: KindRTP}); !errors.Is(err, ErrClosed) {
		t.Fatalf("append after close: %v", err)
	}
}

func TestClockMapping(t *testing.T) {
	m := ClockMapping{NTP: uint64(ntpEpochOffset+100)<<32 | 1<<31, RTP: 1234}
	got, err := DecodeClockMapping(m.Encode())
	if err != nil || got != m {
		t.Fatalf("%+v %v", got, err)
	}
	if want := time.Unix(100, 5e8); !m.Time().Equal(want) {
		t.Fatalf("time %v, want %v", m.Time(), want)
	}
	if _, err := DecodeClockMapping([]byte{1}); !errors.Is(err, ErrCorrupt) {
		t.Fatal(err)
	}
}

func FuzzDecodeTrackInfo(f *testing.F) {
	f.Add(TrackInfo{Media: Audio, Participant: "p", Name: "n"}.Encode())
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, b []byte) {
		info, err := DecodeTrackInfo(b)
		if err != nil {
			return
		}
		again, err := DecodeTrackInfo(info.Encode())
		if err != nil || again != info {
			t.Fatalf("re-encode: %+v %v", again, err)
		}
	})
}
