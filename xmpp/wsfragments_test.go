package xmpp

import (
	"bytes"
	"encoding/binary"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"meetd/xmpp/dom"
)

// Opcodes (RFC 6455 §5.2) for hand-built frames.
const (
	opCont   = 0x0
	opText   = 0x1
	opBinary = 0x2
	opPing   = 0x9
)

// clientFrame builds one client-to-server frame: masked, as RFC 6455
// requires of clients.
func clientFrame(fin bool, op byte, payload []byte) []byte {
	return rawFrame(fin, op, payload, true)
}

func rawFrame(fin bool, op byte, payload []byte, masked bool) []byte {
	b0 := op
	if fin {
		b0 |= 0x80
	}
	var m byte
	if masked {
		m = 0x80
	}
	out := []byte{b0}
	switch n := len(payload); {
	case n < 126:
		out = append(out, m|byte(n))
	case n <= 0xffff:
		out = append(out, m|126)
		out = binary.BigEndian.AppendUint16(out, uint16(n))
	default:
		out = append(out, m|127)
		out = binary.BigEndian.AppendUint64(out, uint64(n))
	}
	if !masked {
		return append(out, payload...)
	}
	key := [4]byte{0x12, 0x34, 0x56, 0x78}
	out = append(out, key[:]...)
	for i, c := range payload {
		out = append(out, c^key[i%4])
	}
	return out
}

// fragments splits s into n frames of one text message (n ≥ 1).
func fragments(s string, n int) [][]byte {
	var out [][]byte
	size := (len(s) + n - 1) / n
	for i := range n {
		lo, hi := min(i*size, len(s)), min((i+1)*size, len(s))
		op := byte(opCont)
		if i == 0 {
			op = opText
		}
		out = append(out, clientFrame(i == n-1, op, []byte(s[lo:hi])))
	}
	return out
}

// fragmented is fragments joined, with the frames of between after every
// fragment but the last.
func fragmented(s string, n int, between []byte) []byte {
	return bytes.Join(fragments(s, n), between)
}

// feedAll feeds p to a fresh counter in chunks of size step (whole when
// step ≤ 0) and returns where it stopped and the error.
func feedAll(max int, p []byte, step int) (int, error) {
	f := fragmentCounter{max: max}
	if step <= 0 {
		step = len(p) + 1
	}
	for off := 0; off < len(p); off += step {
		chunk := p[off:min(off+step, len(p))]
		if k, err := f.feed(chunk); err != nil {
			return off + k, err
		}
	}
	return len(p), nil
}

func TestFragmentCounter(t *testing.T) {
	const msg = "<message xmlns='jabber:client'/>"
	ping := []byte("<iq/>")
	eight := fragmented(msg, 8, nil)
	nine := fragmented(msg, 9, nil)
	ninthAt := len(nine) - len(fragments(msg, 9)[8]) + 1 // the length byte tells it is small
	binaryNine := bytes.Clone(nine)
	binaryNine[0] = binaryNine[0]&^0x0f | opBinary
	tests := []struct {
		name  string
		input []byte
		stop  int // where the counter stops; -1: nowhere
	}{
		{"one frame", clientFrame(true, opText, ping), -1},
		{"eight fragments", eight, -1},
		{"nine fragments", nine, ninthAt},
		{"eight with pings between", fragmented("<message xmlns='jabber:client'/>", 8, clientFrame(true, opPing, nil)), -1},
		{"messages after each other", append(append(eight, eight...), eight...), -1},
		{"empty fragments", append(clientFrame(false, opText, nil), bytes.Repeat(clientFrame(false, opCont, nil), 5000)...), 8*6 + 1},
		{"16-bit length", append(clientFrame(false, opText, bytes.Repeat([]byte("a"), 300)), eight...), -1},
		{"64-bit length", append(clientFrame(true, opText, bytes.Repeat([]byte("b"), 70000)), nine...), 70000 + 14 + ninthAt},
		{"unmasked", append(rawFrame(false, opText, ping, false), bytes.Repeat(rawFrame(false, opCont, ping, false), 8)...), 8*7 + 1},
		{"40 KiB in 4 KiB frames", fragmented(strings.Repeat("x", 40<<10), 10, nil), -1},
		{"256 KiB in 1 KiB frames", fragmented(strings.Repeat("x", 256<<10), 256, nil), -1},
		{"binary message of nine", binaryNine, ninthAt},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, step := range []int{0, 1, 3, 7, 4096} {
				stop, err := feedAll(8, tt.input, step)
				switch {
				case tt.stop < 0 && err != nil:
					t.Fatalf("step %d: refused at %d: %v", step, stop, err)
				case tt.stop >= 0 && !errors.Is(err, ErrTooManyFragments):
					t.Fatalf("step %d: accepted, want refusal at %d", step, tt.stop)
				case tt.stop >= 0 && stop != tt.stop:
					t.Fatalf("step %d: refused at %d, want %d", step, stop, tt.stop)
				}
			}
		})
	}
}

// FuzzFragmentCounter: on any byte stream the counter stops at the same
// place whatever the read sizes, and never beyond the input.
func FuzzFragmentCounter(f *testing.F) {
	f.Add(fragmented("<presence/>", 9, clientFrame(true, opPing, []byte("p"))), uint8(3))
	f.Add(clientFrame(true, opText, bytes.Repeat([]byte("x"), 200)), uint8(1))
	f.Fuzz(func(t *testing.T, data []byte, step uint8) {
		stop, err := feedAll(8, data, 0)
		if stop > len(data) || (err == nil && stop != len(data)) {
			t.Fatalf("stop %d of %d (%v)", stop, len(data), err)
		}
		stop2, err2 := feedAll(8, data, int(step)+1)
		if stop != stop2 || (err == nil) != (err2 == nil) {
			t.Fatalf("whole: %d %v; in steps of %d: %d %v", stop, err, int(step)+1, stop2, err2)
		}
	})
}

// TestWebSocketFragments covers row X5 (large legal stanzas in many
// frames are accepted) and the "> 8 continuation fragments" case of
// docs/bad-input.md#t3 (Prosody's websocket_frame_fragment_limit) and
// the binary frame of the same row: a message in 8 frames is accepted,
// also with pings between them; 9 frames, or thousands of empty ones, end
// the stream with policy-violation and close code 1008; binary data ends
// it with 1003. A bystander stays up and no goroutine is left.
func TestWebSocketFragments(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	bystander := env.dial()
	bystander.login()
	ping := func(id string) string {
		return `<iq xmlns="jabber:client" type="get" to="localhost" id="` + id + `"><ping xmlns="urn:xmpp:ping"/></iq>`
	}
	pingFrame := clientFrame(true, opPing, []byte("hi"))
	tests := []struct {
		name  string
		input []byte
		cond  string // "" when accepted
		code  int
	}{
		{"8 fragments", fragmented(ping("f8"), 8, nil), "", 0},
		// issue 11 defect 8, row X5: a legal 40 KiB stanza written through a
		// 4 KiB buffer (10 frames) used to be closed with 1008.
		{"40 KiB in 10 frames", fragmented(bigPing("f8", 40<<10), 10, nil), "", 0},
		{"250 KiB in 4 KiB frames", fragmented(bigPing("f8", 250<<10), 63, nil), "", 0},
		{"8 fragments, pings between", fragmented(ping("f8"), 8, pingFrame), "", 0},
		{"9 fragments", fragmented(ping("f9"), 9, nil), condPolicyViolation, websocket.ClosePolicyViolation},
		{"9 fragments, pings between", fragmented(ping("f9p"), 9, pingFrame), condPolicyViolation, websocket.ClosePolicyViolation},
		{"5000 empty fragments", append(clientFrame(false, opText, []byte(ping("e"))), bytes.Repeat(clientFrame(false, opCont, nil), 5000)...),
			condPolicyViolation, websocket.ClosePolicyViolation},
		{"binary message", clientFrame(true, opBinary, []byte(ping("b"))), condUnsupportedEncoding, websocket.CloseUnsupportedData},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := env.dial()
			c.login()
			if _, err := c.conn.NetConn().Write(tt.input); err != nil {
				t.Fatalf("write: %v", err)
			}
			if tt.cond == "" {
				if r := c.recvID("f8"); r.Attr("type") != "result" {
					t.Fatalf("ping in fragments: %s", r)
				}
				c.ping("after")
			} else if cond, code := readClose(c.conn); cond != tt.cond || code != tt.code {
				t.Fatalf("ended with stream error %q, close %d; want %q, %d", cond, code, tt.cond, tt.code)
			}
			bystander.ping("alive")
		})
	}
}

// bigPing is a ping IQ padded to about size bytes.
func bigPing(id string, size int) string {
	return `<iq xmlns="jabber:client" type="get" to="localhost" id="` + id + `"><ping xmlns="urn:xmpp:ping"><pad>` +
		strings.Repeat("p", size) + `</pad></ping></iq>`
}

// readClose reads until the connection ends and returns the condition of
// the last stream error and the close frame's status (0 without one).
func readClose(conn *websocket.Conn) (string, int) {
	_ = conn.SetReadDeadline(time.Now().Add(waitTimeout))
	cond := ""
	for {
		_, b, err := conn.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return cond, ce.Code
			}
			return cond, 0
		}
		if strings.HasPrefix(string(b), "<stream:error") {
			if e, err := dom.Parse(b); err == nil && e.FirstChild() != nil {
				cond = e.FirstChild().Local
			}
		}
	}
}
