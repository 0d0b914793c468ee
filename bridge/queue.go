package bridge

import (
	"context"
	"sync/atomic"
)

// Queue is a Receiver for consumers that are not on the media path (the
// recorder): what the conference sends is copied into one of a fixed set
// of buffers and queued for a consumer goroutine, and dropped (counted)
// when the consumer is behind, so the senders never wait for it.
type Queue struct {
	ready  atomic.Bool
	free   chan *Packet
	full   chan *Packet
	allocs chan Allocation // capacity 1: the latest allocation
	drops  atomic.Uint64
}

// Packet is one plaintext RTP or RTCP packet taken from a Queue.
type Packet struct {
	Data []byte
	RTCP bool
	out  atomic.Bool // taken with Next, not yet released
	buf  [maxDatagram]byte
}

// NewQueue makes a queue of n packets (at least 1). It is ready at once.
func NewQueue(n int) *Queue {
	n = max(n, 1)
	q := &Queue{free: make(chan *Packet, n), full: make(chan *Packet, n), allocs: make(chan Allocation, 1)}
	for range n {
		q.free <- &Packet{}
	}
	q.ready.Store(true)
	return q
}

// SetReady turns the queue on or off (off: nothing is offered to it).
func (q *Queue) SetReady(on bool) { q.ready.Store(on) }

// Ready implements Receiver.
func (q *Queue) Ready() bool { return q.ready.Load() }

// Allocated implements Receiver: the latest allocation waits in
// Allocations, replacing one not yet taken.
func (q *Queue) Allocated(a Allocation) {
	for {
		select {
		case q.allocs <- a:
			return
		default:
		}
		select {
		case <-q.allocs:
		default:
		}
	}
}

// Allocations delivers allocations (only the latest when several came).
func (q *Queue) Allocations() <-chan Allocation { return q.allocs }

// SendRTP implements Receiver.
func (q *Queue) SendRTP(pkt []byte) bool { return q.push(pkt, false) }

// SendRTCP implements Receiver.
func (q *Queue) SendRTCP(pkt []byte) bool { return q.push(pkt, true) }

// push copies pkt into a free buffer and queues it; false (counted) when
// none is free or the packet does not fit.
func (q *Queue) push(pkt []byte, rtcp bool) bool {
	var p *Packet
	select {
	case p = <-q.free:
	default:
		q.drops.Add(1)
		return false
	}
	if len(pkt) > len(p.buf) {
		q.free <- p
		q.drops.Add(1)
		return false
	}
	p.Data, p.RTCP = p.buf[:copy(p.buf[:], pkt)], rtcp
	q.full <- p // never blocks: as many buffers as slots
	return true
}

// Next waits for the next packet; give it back with Release.
func (q *Queue) Next(ctx context.Context) (*Packet, error) {
	select {
	case p := <-q.full:
		p.out.Store(true)
		return p, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// Release returns a packet taken with Next to the queue (a second
// Release of the same packet is ignored).
func (q *Queue) Release(p *Packet) {
	if !p.out.CompareAndSwap(true, false) {
		return
	}
	p.Data = nil
	q.free <- p // never blocks: the buffer was missing from free
}

// Drops counts packets dropped because the consumer was behind.
func (q *Queue) Drops() uint64 { return q.drops.Load() }
