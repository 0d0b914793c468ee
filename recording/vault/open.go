package vault

import (
	"bytes"
	"crypto/cipher"
	"errors"
	"fmt"
	"io"
)

// File reads a sealed recording: an io.ReadSeeker over the plaintext, so
// http.ServeContent can answer Range requests from it.
type File struct {
	r     io.ReaderAt
	aead  cipher.AEAD
	hdr   []byte
	size  int64 // plaintext size
	pos   int64
	chunk int64 // index of the chunk in plain, -1 if none
	plain []byte
	raw   []byte
}

// Open checks that r (size bytes) is a sealed recording that key opens:
// the header and the last chunk must authenticate, which also proves the
// file was not truncated. Any failure is ErrAuth.
func Open(r io.ReaderAt, size int64, key []byte) (*File, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, ErrAuth
	}
	hdr := make([]byte, headerLen)
	if _, err := r.ReadAt(hdr, 0); err != nil || !bytes.Equal(hdr, header()) {
		return nil, ErrAuth
	}
	n, ok := plainSize(size)
	if !ok {
		return nil, ErrAuth
	}
	f := &File{r: r, aead: aead, hdr: hdr, size: n, chunk: -1,
		plain: make([]byte, 0, ChunkSize), raw: make([]byte, ChunkSize+tagLen)}
	if err := f.load(f.lastIndex()); err != nil {
		return nil, err
	}
	return f, nil
}

// Size is the plaintext size.
func (f *File) Size() int64 { return f.size }

func (f *File) lastIndex() int64 {
	if f.size == 0 {
		return 0
	}
	return (f.size - 1) / ChunkSize
}

// load decrypts chunk i into f.plain.
func (f *File) load(i int64) error {
	if f.chunk == i {
		return nil
	}
	last := i == f.lastIndex()
	plainLen := int64(ChunkSize)
	if last {
		plainLen = f.size - i*ChunkSize
	}
	raw := f.raw[:plainLen+tagLen]
	off := headerLen + i*(ChunkSize+tagLen)
	if _, err := f.r.ReadAt(raw, off); err != nil && !(errors.Is(err, io.EOF) && last) {
		return fmt.Errorf("vault: read chunk: %w", err)
	}
	var nb [12]byte
	plain, err := f.aead.Open(f.plain[:0], chunkNonce(&nb, uint64(i), last), raw, f.hdr)
	if err != nil {
		f.chunk = -1
		return ErrAuth
	}
	f.plain, f.chunk = plain, i
	return nil
}

// Read reads plaintext at the current position.
func (f *File) Read(p []byte) (int, error) {
	if f.pos >= f.size {
		return 0, io.EOF
	}
	i := f.pos / ChunkSize
	if err := f.load(i); err != nil {
		return 0, err
	}
	n := copy(p, f.plain[f.pos-i*ChunkSize:])
	f.pos += int64(n)
	return n, nil
}

// Seek sets the position for the next Read.
func (f *File) Seek(offset int64, whence int) (int64, error) {
	var abs int64
	switch whence {
	case io.SeekStart:
		abs = offset
	case io.SeekCurrent:
		abs = f.pos + offset
	case io.SeekEnd:
		abs = f.size + offset
	default:
		return 0, errors.New("vault: bad whence")
	}
	if abs < 0 {
		return 0, errors.New("vault: negative position")
	}
	f.pos = abs
	return abs, nil
}
