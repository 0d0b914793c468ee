package spool

import (
	"bufio"
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"fmt"
	"os"
	"sync"
)

// keyLen is the AES-256 key length.
const keyLen = 32

// Writer appends encrypted records to a spool file. It is safe for
// concurrent use.
type Writer struct {
	mu     sync.Mutex
	f      *os.File
	buf    *bufio.Writer
	aead   cipher.AEAD
	key    []byte
	seq    uint64
	plain  []byte // scratch, reused
	sealed []byte // scratch, reused
	closed bool
}

// Create makes a new spool file at path (mode 0600, must not exist) with a
// fresh random key that is kept only in the returned Writer.
func Create(path string) (*Writer, error) {
	key := make([]byte, keyLen)
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("spool: key: %w", err)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("spool: create: %w", err)
	}
	return &Writer{f: f, buf: bufio.NewWriterSize(f, 64<<10), aead: aead, key: key}, nil
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("spool: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("spool: gcm: %w", err)
	}
	return aead, nil
}

// nonce derives record n's nonce: the key is used for one spool only, so a
// counter never repeats under it.
func nonce(dst *[12]byte, n uint64) []byte {
	binary.BigEndian.PutUint64(dst[4:], n)
	return dst[:]
}

// Append encrypts r and appends it. An error (disk full, ...) is sticky in
// the sense that the caller should stop recording: a spool with a lost
// record is still readable up to that record.
func (w *Writer) Append(r Record) error {
	if len(r.Data) > MaxRecord {
		return ErrTooLarge
	}
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	var nb [12]byte
	w.plain = r.appendPlain(w.plain[:0])
	w.sealed = w.aead.Seal(w.sealed[:0], nonce(&nb, w.seq), w.plain, nil)
	w.seq++
	var lb [4]byte
	binary.BigEndian.PutUint32(lb[:], uint32(len(w.sealed)))
	if _, err := w.buf.Write(lb[:]); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	if _, err := w.buf.Write(w.sealed); err != nil {
		return fmt.Errorf("spool: write: %w", err)
	}
	return nil
}

// Flush writes buffered records to the file.
func (w *Writer) Flush() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return ErrClosed
	}
	if err := w.buf.Flush(); err != nil {
		return fmt.Errorf("spool: flush: %w", err)
	}
	return nil
}

// Close flushes and closes the file. The key stays in the Writer so that
// Open can read the spool; Forget erases it.
func (w *Writer) Close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.closed {
		return nil
	}
	w.closed = true
	ferr := w.buf.Flush()
	cerr := w.f.Close()
	if ferr != nil {
		return fmt.Errorf("spool: flush: %w", ferr)
	}
	if cerr != nil {
		return fmt.Errorf("spool: close: %w", cerr)
	}
	return nil
}

// Open returns a reader of the spool written so far (flush first).
func (w *Writer) Open() (*Reader, error) {
	w.mu.Lock()
	key := w.key
	w.mu.Unlock()
	if key == nil {
		return nil, ErrClosed
	}
	return Open(w.f.Name(), key)
}

// Forget erases the key from memory: the spool becomes unreadable.
func (w *Writer) Forget() {
	w.mu.Lock()
	defer w.mu.Unlock()
	clear(w.key)
	w.key = nil
}

// Path is the spool file's path.
func (w *Writer) Path() string { return w.f.Name() }
