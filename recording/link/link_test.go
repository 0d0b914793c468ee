package link

import (
	"bytes"
	"encoding/base64"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func testSigner(t testing.TB, fill byte) *Signer {
	t.Helper()
	s, err := NewSigner(bytes.Repeat([]byte{fill}, secretLen))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

var (
	now     = time.Unix(1_800_000_000, 0)
	testKey = bytes.Repeat([]byte{7}, keyLen)
	testID  = "00112233445566778899aabbccddeeff"
)

func TestSignParse(t *testing.T) {
	s := testSigner(t, 1)
	tok, err := s.Sign(Link{ID: testID, Expires: now.Add(time.Hour), Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Parse(tok, now)
	if err != nil {
		t.Fatal(err)
	}
	if l.ID != testID || !bytes.Equal(l.Key, testKey) || !l.Expires.Equal(now.Add(time.Hour)) {
		t.Fatalf("parsed %+v", l)
	}
}

func TestRefused(t *testing.T) {
	s := testSigner(t, 1)
	tok, err := s.Sign(Link{ID: testID, Expires: now.Add(time.Hour), Key: testKey})
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := base64.RawURLEncoding.DecodeString(tok)
	flip := func(i int) string {
		b := bytes.Clone(raw)
		b[i] ^= 1
		return base64.RawURLEncoding.EncodeToString(b)
	}
	tests := []struct {
		name, token string
		signer      *Signer
		at          time.Time
	}{
		{"expired", tok, s, now.Add(time.Hour)},
		{"other secret", tok, testSigner(t, 2), now},
		{"tampered id", flip(3), s, now},
		{"tampered expiry", flip(1 + idLen + 7), s, now},
		{"tampered key", flip(payloadLen - 1), s, now},
		{"tampered mac", flip(tokenLen - 1), s, now},
		{"truncated", tok[:len(tok)-1], s, now},
		{"padded", tok + "=", s, now},
		{"guessed", strings.Repeat("A", len(tok)), s, now},
		{"empty", "", s, now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.signer.Parse(tc.token, tc.at); !errors.Is(err, ErrInvalid) {
				t.Fatalf("err %v, want ErrInvalid", err)
			}
		})
	}
}

func TestLoadSigner(t *testing.T) {
	p := filepath.Join(t.TempDir(), "link.key")
	a, err := LoadSigner(p)
	if err != nil {
		t.Fatal(err)
	}
	b, err := LoadSigner(p)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.secret, b.secret) {
		t.Fatal("secret not kept across loads")
	}
}

func FuzzParse(f *testing.F) {
	s := testSigner(f, 1)
	tok, _ := s.Sign(Link{ID: testID, Expires: now.Add(time.Hour), Key: testKey})
	f.Add(tok)
	f.Add("")
	f.Add(strings.Repeat("_", len(tok)))
	f.Fuzz(func(t *testing.T, token string) {
		l, err := s.Parse(token, now)
		if err != nil {
			if !errors.Is(err, ErrInvalid) {
				t.Fatalf("error %v is not ErrInvalid", err)
			}
			return
		}
		again, err := s.Sign(l)
		if err != nil || again != token {
			t.Fatalf("accepted token does not re-sign to itself")
		}
	})
}
