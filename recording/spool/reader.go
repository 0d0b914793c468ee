package spool

import (
	"bufio"
	"crypto/cipher"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
)

// Reader reads a spool's records in order.
type Reader struct {
	f    *os.File
	r    *bufio.Reader
	aead cipher.AEAD
	seq  uint64
	buf  []byte
}

// Open opens the spool at path with its key.
func Open(path string, key []byte) (*Reader, error) {
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("spool: open: %w", err)
	}
	return NewReader(f, aead), nil
}

// NewReader reads records from f decrypted with aead; used by Open and by
// tests that feed arbitrary bytes.
func NewReader(f *os.File, aead cipher.AEAD) *Reader {
	return &Reader{f: f, r: bufio.NewReaderSize(f, 64<<10), aead: aead}
}

// Next returns the next record. Its Data is valid until the next call.
// At the end it returns io.EOF; a record cut short by a crash also ends
// the spool (io.ErrUnexpectedEOF); a record that fails authentication
// returns an error wrapping ErrCorrupt.
func (r *Reader) Next() (Record, error) {
	var lb [4]byte
	if _, err := io.ReadFull(r.r, lb[:]); err != nil {
		if errors.Is(err, io.EOF) {
			return Record{}, io.EOF
		}
		return Record{}, io.ErrUnexpectedEOF
	}
	n := binary.BigEndian.Uint32(lb[:])
	if n > MaxRecord+headerLen+uint32(r.aead.Overhead()) {
		return Record{}, fmt.Errorf("%w: record length %d", ErrCorrupt, n)
	}
	if cap(r.buf) < int(n) {
		r.buf = make([]byte, n)
	}
	sealed := r.buf[:n]
	if _, err := io.ReadFull(r.r, sealed); err != nil {
		return Record{}, io.ErrUnexpectedEOF
	}
	var nb [12]byte
	plain, err := r.aead.Open(sealed[:0], nonce(&nb, r.seq), sealed, nil)
	if err != nil {
		return Record{}, fmt.Errorf("%w: record %d", ErrCorrupt, r.seq)
	}
	r.seq++
	return parsePlain(plain)
}

// Close closes the file.
func (r *Reader) Close() error { return r.f.Close() }
