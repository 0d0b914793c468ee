package bridge

import (
	"slices"
	"time"
)

// The send path. Whoever forwards a packet to an endpoint (a sender's
// reader goroutine, usually) rewrites, encrypts and sends it itself while
// holding the endpoint's writer. When the writer is held by another
// goroutine the packet waits in the endpoint's bounded queue, and the
// holder sends it before letting go: a receiver that cannot keep up loses
// its own packets (counted) and never makes a sender wait.

// acquire returns e's writer, locked, when it is free and nothing is
// queued for e; nil otherwise. The caller sends and then calls release.
func (t *transport) acquire() *writer {
	w := t.out.Load()
	if w == nil || len(t.sendQ) > 0 || !w.mu.TryLock() {
		return nil
	}
	return w
}

// release sends what was queued meanwhile, unlocks w and sends anything
// queued after that.
func (t *transport) release(w *writer, now time.Time) {
	w.drain(t.sendQ, now)
	w.mu.Unlock()
	t.flush()
}

// enqueue sends a copy of pkt to the endpoint, or queues one; it never
// blocks and reports false (counted) when the queue is full.
func (t *transport) enqueue(pkt []byte, isRTCP bool) bool {
	if w := t.acquire(); w != nil {
		now := time.Now()
		if isRTCP {
			w.sendRTCP(pkt)
		} else {
			w.sendRTP(append(w.plain[:0], pkt...), now)
		}
		t.release(w, now)
		return true
	}
	p := t.b.getPacket()
	p.data = append(p.data[:0], pkt...)
	p.rtcp = isRTCP
	return t.push(p)
}

// getPacket takes a buffer from the bridge's pool.
func (b *Bridge) getPacket() *outPacket {
	if p, _ := b.bufs.Get().(*outPacket); p != nil {
		return p
	}
	return &outPacket{data: make([]byte, 0, maxDatagram)}
}

// push sends p at once when the endpoint's writer is free and nothing is
// queued before it; otherwise it queues p (when the queue is full p goes
// back to the pool and the drop is counted) for whoever holds the writer.
func (t *transport) push(p *outPacket) bool {
	if w := t.acquire(); w != nil {
		now := time.Now()
		w.send(p, now)
		t.release(w, now)
		return true
	}
	ok := true
	select {
	case t.sendQ <- p:
	default:
		t.b.bufs.Put(p)
		t.b.counters.queueDrops.Add(1)
		ok = false
	}
	t.flush()
	return ok
}

// flush sends the queue if the endpoint's writer is free. A packet queued
// while another goroutine holds the writer is sent by that goroutine: it
// looks at the queue again after unlocking, and the pusher's TryLock
// fails only while the holder has yet to unlock.
func (t *transport) flush() {
	w := t.out.Load()
	if w == nil {
		return
	}
	for len(t.sendQ) > 0 && w.mu.TryLock() {
		w.drain(t.sendQ, time.Now())
		w.mu.Unlock()
	}
}

// The endpoint is the Receiver of its own receiver side: its SRTP/UDP
// writer sends what the conference forwards to it.

// Ready reports whether SRTP is up.
func (t *transport) Ready() bool { return t.srtpReady.Load() }

// Allocated tells the client which sources (and, for older clients, which
// endpoints) it is sent.
func (t *transport) Allocated(a Allocation) {
	var sources, owners []string
	for _, s := range a.Sources {
		if s.Video {
			sources = append(sources, s.Name)
			if !slices.Contains(owners, s.Endpoint) {
				owners = append(owners, s.Endpoint)
			}
		}
	}
	t.sendForwarded(sources, owners)
}

// SendRTP stamps, encrypts and sends a forwarded packet (in place), or
// queues a copy; false (counted) when the queue is full.
func (t *transport) SendRTP(pkt []byte) bool {
	if w := t.acquire(); w != nil {
		now := time.Now()
		w.sendRTP(pkt, now)
		t.release(w, now)
		return true
	}
	p := t.b.getPacket()
	p.data, p.rtcp = append(p.data[:0], pkt...), false
	return t.push(p)
}

// SendRTCP encrypts and sends a relayed RTCP packet, or queues a copy.
func (t *transport) SendRTCP(pkt []byte) bool { return t.enqueue(pkt, true) }
