package xmpp

import (
	"bufio"
	"errors"
	"net"
	"net/http"
)

// Frame-header reader states (RFC 6455 §5.2).
const (
	fhFirst   = iota // FIN, RSV and opcode
	fhLen            // MASK and the 7-bit payload length
	fhExtLen         // 16- or 64-bit extended payload length
	fhMaskKey        // the 4-byte masking key
	fhPayload        // payload bytes, skipped
)

// minCountedFragment: data frames carrying at least this many bytes do not
// count against the fragment limit. A client writing through a 4 KiB buffer
// sends a legal 256 KiB stanza in 64 frames; such a message is bounded by
// the stanza size limit, while a message in many small frames (whose
// headers cost more than their payload) is still refused.
const minCountedFragment = 1024

// fragmentCounter follows the frame headers of the client-to-server half of
// a WebSocket connection and refuses a message spread over more than max
// small data frames (under minCountedFragment bytes; the first frame plus
// its continuations). Control frames, which may come between fragments, do
// not count. Everything else about the frames is left to the WebSocket
// library, which sees the same bytes.
type fragmentCounter struct {
	max    int
	frames int  // small data frames of the current message so far
	op     byte // opcode of the frame being read
	state  int
	need   int    // header bytes still to come in fhExtLen or fhMaskKey
	masked bool   // the frame being read carries a masking key
	length uint64 // payload length being assembled
	skip   uint64 // payload bytes still to come
}

// feed follows p, the next bytes from the client. On a violation it returns
// how many bytes of p precede the header byte that revealed it (those may
// still be delivered) and ErrTooManyFragments; otherwise len(p) and nil. After a
// violation it must not be fed again.
func (f *fragmentCounter) feed(p []byte) (int, error) {
	for i := 0; i < len(p); {
		if f.state == fhPayload {
			n := uint64(len(p) - i)
			if n > f.skip {
				n = f.skip
			}
			i += int(n)
			f.skip -= n
			if f.skip == 0 {
				f.state = fhFirst
			}
			continue
		}
		if err := f.header(p[i]); err != nil {
			return i, err
		}
		i++
	}
	return len(p), nil
}

// header takes one frame-header byte.
func (f *fragmentCounter) header(b byte) error {
	switch f.state {
	case fhFirst:
		return f.first(b)
	case fhLen:
		f.masked = b&0x80 != 0
		switch l := b & 0x7f; l {
		case 126:
			f.length, f.need, f.state = 0, 2, fhExtLen
		case 127:
			f.length, f.need, f.state = 0, 8, fhExtLen
		default:
			f.length = uint64(l)
			return f.afterLength()
		}
	case fhExtLen:
		f.length = f.length<<8 | uint64(b)
		if f.need--; f.need == 0 {
			return f.afterLength()
		}
	case fhMaskKey:
		if f.need--; f.need == 0 {
			f.startPayload()
		}
	}
	return nil
}

// first reads the opcode.
func (f *fragmentCounter) first(b byte) error {
	f.op, f.state = b&0x0f, fhLen
	return nil
}

// afterLength counts the frame once its length is known: a text or binary
// frame starts a message, a continuation frame adds to it.
func (f *fragmentCounter) afterLength() error {
	if f.op < 8 { // a data frame
		if f.op != 0 {
			f.frames = 0
		}
		if f.length < minCountedFragment {
			f.frames++
		}
		if f.max > 0 && f.frames > f.max {
			return ErrTooManyFragments
		}
	}
	if f.masked {
		f.need, f.state = 4, fhMaskKey
		return nil
	}
	f.startPayload()
	return nil
}

func (f *fragmentCounter) startPayload() {
	f.skip, f.state = f.length, fhPayload
	if f.skip == 0 {
		f.state = fhFirst
	}
}

// fragmentConn counts the frames of what the WebSocket library reads. Bytes
// before an offending frame are still handed on; then reads fail.
type fragmentConn struct {
	net.Conn
	count fragmentCounter
	err   error
}

// Read is called by the one goroutine reading the WebSocket.
func (c *fragmentConn) Read(p []byte) (int, error) {
	if c.err != nil {
		return 0, c.err
	}
	n, err := c.Conn.Read(p)
	k, ferr := c.count.feed(p[:n])
	if ferr != nil {
		c.err = ferr
		if k > 0 {
			return k, nil
		}
		return 0, ferr
	}
	return n, err
}

// errNoHijack: the response writer cannot hand over the connection.
var errNoHijack = errors.New("xmpp: response writer cannot hijack the connection")

// fragmentLimiter hands the WebSocket library a connection whose reads go
// through a fragmentConn. The library reads through the connection it gets
// (with a non-zero Upgrader.ReadBufferSize it allocates its own buffer over
// it; otherwise it resets the returned reader onto it) and keeps its own
// check that the client sent nothing before the handshake completed.
type fragmentLimiter struct {
	http.ResponseWriter
	max int
}

// Hijack implements http.Hijacker.
func (w fragmentLimiter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	h, ok := w.ResponseWriter.(http.Hijacker)
	if !ok {
		return nil, nil, errNoHijack
	}
	conn, brw, err := h.Hijack()
	if err != nil {
		return nil, nil, err
	}
	return &fragmentConn{Conn: conn, count: fragmentCounter{max: w.max}}, brw, nil
}
