package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/binary"
	"fmt"
	"io"
)

// KeyLen is the length of a recording key (AES-256).
const KeyLen = 32

// ChunkSize is the plaintext size of every chunk but the last.
const ChunkSize = 64 << 10

const (
	magic     = "MEETDREC"
	version   = 1
	headerLen = 16 // magic, version, 3 reserved bytes, chunk size
	tagLen    = 16
)

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != KeyLen {
		return nil, ErrAuth
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("vault: cipher: %w", err)
	}
	return cipher.NewGCM(block)
}

// chunkNonce is index i's nonce; last marks the final chunk.
func chunkNonce(dst *[12]byte, i uint64, last bool) []byte {
	*dst = [12]byte{}
	if last {
		dst[3] = 1
	}
	binary.BigEndian.PutUint64(dst[4:], i)
	return dst[:]
}

func header() []byte {
	h := make([]byte, headerLen)
	copy(h, magic)
	h[8] = version
	binary.BigEndian.PutUint32(h[12:], ChunkSize)
	return h
}

// Sealer encrypts a stream into the sealed format. Close writes the final
// chunk; without it the file does not open.
type Sealer struct {
	w     io.Writer
	aead  cipher.AEAD
	hdr   []byte
	buf   []byte // pending plaintext, < ChunkSize after each Write
	out   []byte
	index uint64
	n     int64 // plaintext bytes written
}

// NewSealer writes the header to w and returns a sealer using key.
func NewSealer(w io.Writer, key []byte) (*Sealer, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	h := header()
	if _, err := w.Write(h); err != nil {
		return nil, fmt.Errorf("vault: write header: %w", err)
	}
	return &Sealer{w: w, aead: aead, hdr: h, buf: make([]byte, 0, ChunkSize)}, nil
}

// Write encrypts p; full chunks are written at once.
func (s *Sealer) Write(p []byte) (int, error) {
	total := len(p)
	for len(p) > 0 {
		k := min(ChunkSize-len(s.buf), len(p))
		s.buf = append(s.buf, p[:k]...)
		p = p[k:]
		if len(s.buf) == ChunkSize && len(p) > 0 {
			if err := s.flush(false); err != nil {
				return total - len(p) - k, err
			}
		}
	}
	s.n += int64(total)
	return total, nil
}

func (s *Sealer) flush(last bool) error {
	var nb [12]byte
	s.out = s.aead.Seal(s.out[:0], chunkNonce(&nb, s.index, last), s.buf, s.hdr)
	s.index++
	s.buf = s.buf[:0]
	if _, err := s.w.Write(s.out); err != nil {
		return fmt.Errorf("vault: write chunk: %w", err)
	}
	return nil
}

// Close writes the last chunk (possibly empty). It does not close w.
func (s *Sealer) Close() error { return s.flush(true) }

// Size is the number of plaintext bytes written so far.
func (s *Sealer) Size() int64 { return s.n }

// sealedSize returns the sealed length of a plaintext of n bytes.
func sealedSize(n int64) int64 {
	full := n / ChunkSize
	if n > 0 && n%ChunkSize == 0 {
		full-- // the last chunk is full, not empty
	}
	return headerLen + full*(ChunkSize+tagLen) + (n - full*ChunkSize) + tagLen
}

// plainSize inverts sealedSize, or reports that size is impossible.
func plainSize(size int64) (int64, bool) {
	body := size - headerLen
	if body < tagLen {
		return 0, false
	}
	full := (body - tagLen) / (ChunkSize + tagLen)
	lastSealed := body - full*(ChunkSize+tagLen)
	if lastSealed < tagLen || lastSealed > ChunkSize+tagLen {
		return 0, false
	}
	if lastSealed == tagLen && full > 0 {
		// An empty last chunk follows a full one only when sealedSize would
		// not produce it; treat the previous full chunk as the last.
		return 0, false
	}
	return full*ChunkSize + lastSealed - tagLen, true
}
