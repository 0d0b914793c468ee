package bridge

import (
	"encoding/binary"
	"io"
	"sync"
	"time"

	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// Probing (docs/media.md#probing): while a receiver's allocation is below its
// ideal, the writer adds padding-only RTX packets so the estimate can find
// headroom, up to probeAbove times the estimate, at most every probeTick
// (when something is sent to the receiver).
const (
	probeTick    = 20 * time.Millisecond
	probeAbove   = 1.25
	probePadding = 224 // padding bytes per probe packet
	probeMax     = 8   // probe packets per tick
)

// writer is an endpoint's send side: transport-wide sequence numbers,
// SRTP, the socket, and probing. There is no writer goroutine: whoever
// queued a packet for the endpoint (a sender's reader, usually) sends the
// queue while holding mu, and a packet queued while another goroutine
// holds mu is sent by that goroutine (see endpoint.flush).
type writer struct {
	mu        sync.Mutex
	e         *endpoint
	enc       *srtp.Context
	conn      io.Writer
	out       []byte // ciphertext
	plain     []byte // a packet being rewritten or stamped
	h         rtp.Header
	bytes     int       // sent since start
	start     time.Time // of the rate window
	rate      float64   // bps, smoothed
	lastProbe time.Time
}

func newWriter(e *endpoint, enc *srtp.Context, conn io.Writer) *writer {
	return &writer{e: e, enc: enc, conn: conn, out: make([]byte, 0, maxDatagram+64),
		plain: make([]byte, 0, maxDatagram), start: time.Now()}
}

// drain sends what is queued for the endpoint, then probes when a probe
// tick has passed. w.mu must be held.
func (w *writer) drain(q chan *outPacket, now time.Time) {
	for len(q) > 0 {
		select {
		case p := <-q:
			w.send(p, now)
		default:
		}
	}
	if dt := now.Sub(w.lastProbe); dt >= probeTick {
		w.lastProbe = now
		w.probe(now, min(dt, 5*probeTick))
	}
}

// send sends one queued packet and recycles it. w.mu must be held.
func (w *writer) send(p *outPacket, now time.Time) {
	if p.rtcp {
		w.sendRTCP(p.data)
	} else {
		w.sendRTP(p.data, now)
	}
	w.e.b.bufs.Put(p)
}

// sendRTP stamps (in place), encrypts and writes one RTP packet. w.mu must
// be held.
func (w *writer) sendRTP(pkt []byte, now time.Time) {
	w.stamp(pkt, now)
	w.encrypted(w.enc.EncryptRTP(w.out[:0], pkt, &w.h))
}

// sendRTCP encrypts and writes one compound RTCP packet. w.mu must be
// held.
func (w *writer) sendRTCP(pkt []byte) {
	w.encrypted(w.enc.EncryptRTCP(w.out[:0], pkt, nil))
}

// encrypted writes an encryption's result.
func (w *writer) encrypted(res []byte, err error) {
	if err != nil {
		return
	}
	if cap(res) > cap(w.out) {
		w.out = res[:0]
	}
	w.write(res)
}

// write hands one datagram to the socket; a refused one is a counted drop.
func (w *writer) write(res []byte) {
	w.bytes += len(res)
	if _, err := w.conn.Write(res); err != nil {
		w.e.b.counters.sendDrops.Add(1)
		return
	}
	w.e.meter.bytesOut.Add(uint64(len(res)))
	w.e.b.counters.bytesOut.Add(uint64(len(res)))
}

// stamp writes this endpoint's next transport-wide sequence number into
// the packet's transport-cc extension (when it has one) and logs it.
func (w *writer) stamp(pkt []byte, now time.Time) {
	id := w.e.ingress.Load().twccExt
	if id == 0 {
		return
	}
	if v := extensionValue(pkt, id); len(v) >= 2 {
		binary.BigEndian.PutUint16(v, w.e.sent.stamp(len(pkt), now))
	}
}

// probe sends padding when the allocation wants more than it gets and the
// estimate may allow more than is being sent. w.mu must be held.
func (w *writer) probe(now time.Time, dt time.Duration) {
	if d := now.Sub(w.start); d >= 100*time.Millisecond {
		w.rate += 0.5 * (float64(w.bytes*8)/d.Seconds() - w.rate)
		w.bytes, w.start = 0, now
	}
	a := w.e.down.alloc.Load()
	est := float64(w.e.bwe.estimate.Load())
	if a == nil || a.probeSSRC == 0 || est == 0 || a.ideal <= a.sending {
		return
	}
	want := min(a.ideal, est*probeAbove) - w.rate
	n := min(int(want*dt.Seconds()/8)/(probePadding+32), probeMax)
	tbl := w.e.ingress.Load()
	for range n {
		w.plain = paddingPacket(w.plain, a.probeSSRC, a.probePT, a.probeCache.nextRTXSeq(), tbl.twccExt)
		w.sendRTP(w.plain, now)
	}
}

// paddingPacket builds a padding-only RTP packet with a transport-cc
// extension (value filled in by stamp).
func paddingPacket(buf []byte, ssrc uint32, pt uint8, seq uint16, twccID uint8) []byte {
	b := append(buf[:0], 0xA0, pt&0x7F, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
	binary.BigEndian.PutUint16(b[2:], seq)
	binary.BigEndian.PutUint32(b[8:], ssrc)
	if twccID != 0 {
		b[0] |= 0x10
		b = append(b, 0xBE, 0xDE, 0, 1, twccID<<4|1, 0, 0, 0)
	}
	for range probePadding - 1 {
		b = append(b, 0)
	}
	return append(b, probePadding)
}

// extensionValue returns the value of the header extension with the given
// id (a slice into pkt), or nil.
func extensionValue(pkt []byte, id uint8) []byte {
	start, end, profile, ok := extensionBlock(pkt)
	if !ok {
		return nil
	}
	b := pkt[start:end]
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		var eid uint8
		var off, n int
		switch {
		case profile == 0xBEDE:
			eid, off, n = b[i]>>4, i+1, int(b[i]&0x0F)+1
			if eid == 15 {
				return nil
			}
		case profile&0xFFF0 == 0x1000 && i+1 < len(b):
			eid, off, n = b[i], i+2, int(b[i+1])
		default:
			return nil
		}
		if off+n > len(b) {
			return nil
		}
		if eid == id {
			return b[off : off+n]
		}
		i = off + n
	}
	return nil
}
