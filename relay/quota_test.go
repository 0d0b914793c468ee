package relay

import (
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// TestQuotaReservesWhatItGrants: Allocate requests that race on many
// connections (every allow before any created event) get exactly the quota;
// a retransmitted request from the same address keeps its one slot; a slot
// granted but never created is released after reserveFor; created and
// deleted then balance the counts.
func TestQuotaReservesWhatItGrants(t *testing.T) {
	now := time.Unix(1000, 0)
	q := newQuota(4, 100)
	q.now = func() time.Time { return now }
	src := func(port int) net.Addr { return &net.TCPAddr{IP: net.IPv4(127, 0, 0, 9), Port: port} }

	var granted atomic.Int32
	var wg sync.WaitGroup
	for i := range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if q.allow("u", src(1000+i)) {
				granted.Add(1)
			}
		}()
	}
	wg.Wait()
	if n := granted.Load(); n != 4 {
		t.Fatalf("%d of 50 racing requests granted, want the quota 4", n)
	}
	var held []net.Addr
	for i := range 50 {
		if _, ok := q.pending[reservationKey("u", src(1000+i))]; ok {
			held = append(held, src(1000+i))
		}
	}
	if !q.allow("u", held[0]) {
		t.Fatal("a retransmitted request lost its reserved slot")
	}
	if q.allow("u", src(2000)) {
		t.Fatal("a fifth allocation granted while four slots are reserved")
	}
	for _, a := range held[:3] {
		q.created("u", a)
	}
	now = now.Add(reserveFor + time.Second) // held[3] never became an allocation
	if !q.allow("u", src(2001)) {
		t.Fatal("the expired reservation was not released")
	}
	q.created("u", src(2001))
	for _, a := range append(held[:3], src(2001)) {
		q.deleted("u", a)
	}
	if len(q.byUser) != 0 || len(q.byIP) != 0 || len(q.pending) != 0 {
		t.Fatalf("counts left after every allocation ended: users %v ips %v pending %d", q.byUser, q.byIP, len(q.pending))
	}
}
