package recording

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/recording/link"
	"meetd/recording/vault"
)

type fixture struct {
	h     *Handler
	token string
	plain []byte
	now   time.Time
	clock *time.Time
}

func newFixture(t *testing.T) *fixture {
	t.Helper()
	store, err := vault.NewStore(filepath.Join(t.TempDir(), "rec"))
	if err != nil {
		t.Fatal(err)
	}
	signer, err := link.LoadSigner(filepath.Join(store.Dir(), "link.key"))
	if err != nil {
		t.Fatal(err)
	}
	id, key := vault.NewID(), vault.NewKey()
	plain := bytes.Repeat([]byte("0123456789abcdef"), 20000) // 320 000 bytes, several chunks
	fd, err := store.Create(id)
	if err != nil {
		t.Fatal(err)
	}
	s, err := vault.NewSealer(fd, key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Write(plain); err != nil {
		t.Fatal(err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	fd.Close()
	now := time.Unix(1_800_000_000, 0)
	if err := store.Commit(vault.Info{ID: id, Created: now, Size: int64(len(plain))}); err != nil {
		t.Fatal(err)
	}
	tok, err := signer.Sign(link.Link{ID: id, Expires: now.Add(7 * 24 * time.Hour), Key: key})
	if err != nil {
		t.Fatal(err)
	}
	fx := &fixture{token: tok, plain: plain, now: now}
	fx.clock = &now
	fx.h = NewHandler(store, signer, func() time.Time { return *fx.clock }, nil)
	return fx
}

func (fx *fixture) get(token, rng string) *http.Response {
	req := httptest.NewRequest("GET", "/recordings/"+token, nil)
	if rng != "" {
		req.Header.Set("Range", rng)
	}
	rec := httptest.NewRecorder()
	fx.h.ServeHTTP(rec, req)
	return rec.Result()
}

func TestHandlerServes(t *testing.T) {
	fx := newFixture(t)
	res := fx.get(fx.token, "")
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || !bytes.Equal(body, fx.plain) {
		t.Fatalf("status %d, %d bytes", res.StatusCode, len(body))
	}
	if ct := res.Header.Get("Content-Type"); ct != "video/mp4" {
		t.Errorf("content type %q", ct)
	}
	tests := []struct {
		rng        string
		start, end int
	}{
		{"bytes=0-99", 0, 100},
		{"bytes=65530-65545", 65530, 65546},
		{"bytes=-10", len(fx.plain) - 10, len(fx.plain)},
		{"bytes=300000-", 300000, len(fx.plain)},
	}
	for _, tc := range tests {
		t.Run(tc.rng, func(t *testing.T) {
			res := fx.get(fx.token, tc.rng)
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusPartialContent || !bytes.Equal(body, fx.plain[tc.start:tc.end]) {
				t.Fatalf("status %d, body %d bytes", res.StatusCode, len(body))
			}
		})
	}
}

func TestHandlerRefuses(t *testing.T) {
	fx := newFixture(t)
	swapped := []byte(fx.token)
	swapped[5] ^= 2
	tests := []struct {
		name, token string
		later       time.Duration
	}{
		{"expired", fx.token, 8 * 24 * time.Hour},
		{"tampered", string(swapped), 0},
		{"guessed", strings.Repeat("x", len(fx.token)), 0},
		{"empty", "", 0},
		{"path", "../link.key", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			*fx.clock = fx.now.Add(tc.later)
			defer func() { *fx.clock = fx.now }()
			res := fx.get(tc.token, "")
			body, _ := io.ReadAll(res.Body)
			if res.StatusCode != http.StatusForbidden || strings.TrimSpace(string(body)) != "forbidden" {
				t.Fatalf("status %d body %q", res.StatusCode, body)
			}
		})
	}
}
