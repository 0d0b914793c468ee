package vault

import (
	"bytes"
	"errors"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func sealBytes(t *testing.T, plain, key []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	s, err := NewSealer(&out, key)
	if err != nil {
		t.Fatal(err)
	}
	// Write in uneven pieces to cross chunk boundaries mid-write.
	for p := plain; len(p) > 0; {
		k := min(len(p), 1+len(p)%7919)
		if _, err := s.Write(p[:k]); err != nil {
			t.Fatal(err)
		}
		p = p[k:]
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if int64(out.Len()) != sealedSize(int64(len(plain))) {
		t.Fatalf("sealed %d bytes, sealedSize says %d", out.Len(), sealedSize(int64(len(plain))))
	}
	return out.Bytes()
}

func TestSealOpen(t *testing.T) {
	key := NewKey()
	for _, n := range []int{0, 1, ChunkSize - 1, ChunkSize, ChunkSize + 1, 3*ChunkSize + 17} {
		plain := make([]byte, n)
		rand.NewChaCha8([32]byte{byte(n), byte(n >> 8)}).Read(plain)
		sealed := sealBytes(t, plain, key)
		f, err := Open(bytes.NewReader(sealed), int64(len(sealed)), key)
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if f.Size() != int64(n) {
			t.Fatalf("n=%d: size %d", n, f.Size())
		}
		got, err := io.ReadAll(f)
		if err != nil || !bytes.Equal(got, plain) {
			t.Fatalf("n=%d: content differs (%v)", n, err)
		}
		if n > 10 {
			off := int64(n / 3)
			if _, err := f.Seek(off, io.SeekStart); err != nil {
				t.Fatal(err)
			}
			part := make([]byte, 10)
			if _, err := io.ReadFull(f, part); err != nil || !bytes.Equal(part, plain[off:off+10]) {
				t.Fatalf("n=%d: seek read differs (%v)", n, err)
			}
		}
	}
}

func TestOpenRefuses(t *testing.T) {
	key := NewKey()
	plain := bytes.Repeat([]byte("x"), 2*ChunkSize+5)
	sealed := sealBytes(t, plain, key)
	chunk := ChunkSize + tagLen
	tests := []struct {
		name string
		b    []byte
		key  []byte
	}{
		{"wrong key", sealed, NewKey()},
		{"short key", sealed, key[:16]},
		{"last chunk dropped", sealed[:headerLen+2*chunk], key},
		{"one byte cut", sealed[:len(sealed)-1], key},
		{"header changed", append([]byte("MEETDREX"), sealed[8:]...), key},
		{"empty", nil, key},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := Open(bytes.NewReader(tc.b), int64(len(tc.b)), tc.key); !errors.Is(err, ErrAuth) {
				t.Fatalf("err %v, want ErrAuth", err)
			}
		})
	}
	t.Run("chunks swapped", func(t *testing.T) {
		b := bytes.Clone(sealed)
		copy(b[headerLen:], sealed[headerLen+chunk:headerLen+2*chunk])
		copy(b[headerLen+chunk:], sealed[headerLen:headerLen+chunk])
		f, err := Open(bytes.NewReader(b), int64(len(b)), key)
		if err != nil {
			t.Fatal(err) // the last chunk is intact
		}
		if _, err := io.ReadAll(f); !errors.Is(err, ErrAuth) {
			t.Fatalf("read err %v, want ErrAuth", err)
		}
	})
}

func TestStore(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "recordings")
	s, err := NewStore(dir)
	if err != nil {
		t.Fatal(err)
	}
	key := NewKey()
	id := NewID()
	fd, err := s.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	sl, err := NewSealer(fd, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sl.Write([]byte("PLAINMP4DATA")); err != nil {
		t.Fatal(err)
	}
	if err := sl.Close(); err != nil {
		t.Fatal(err)
	}
	fd.Close()
	created := time.Now().Add(-48 * time.Hour)
	if err := s.Commit(Info{ID: id, Room: "r@conference.localhost", Created: created, Size: sl.Size()}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		st, _ := os.Stat(filepath.Join(dir, e.Name()))
		if !e.IsDir() && st.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v", e.Name(), st.Mode().Perm())
		}
		b, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		if bytes.Contains(b, []byte("PLAINMP4")) {
			t.Errorf("%s holds plaintext", e.Name())
		}
	}
	f, raw, info, err := s.Open(id, key)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(f)
	raw.Close()
	if string(got) != "PLAINMP4DATA" || info.Room != "r@conference.localhost" {
		t.Fatalf("got %q %+v", got, info)
	}
	if _, _, _, err := s.Open(NewID(), key); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown id: %v", err)
	}
	if gone, err := s.Expire(time.Now().Add(-72 * time.Hour)); err != nil || len(gone) != 0 {
		t.Fatalf("expire too early: %v %v", gone, err)
	}
	if gone, err := s.Expire(time.Now().Add(-24 * time.Hour)); err != nil || len(gone) != 1 {
		t.Fatalf("expire: %v %v", gone, err)
	}
	if list, _ := s.List(); len(list) != 0 {
		t.Fatalf("list after expiry: %v", list)
	}
}

func TestLeftovers(t *testing.T) {
	s, err := NewStore(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	id := NewID()
	fd, err := s.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	fd.Close()
	if err := os.WriteFile(filepath.Join(s.SpoolDir(), id+".spool"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	gone, err := s.Leftovers()
	if err != nil || len(gone) != 2 {
		t.Fatalf("leftovers %v %v", gone, err)
	}
	if gone, _ := s.Leftovers(); len(gone) != 0 {
		t.Fatalf("second pass found %v", gone)
	}
}
