package relay

import (
	"net"
	"net/netip"
	"sync"
	"time"
)

// quota counts live allocations per credential user and per client
// address. pion asks allow before it creates an allocation and reports
// creations and deletions through its event handler. allow reserves the slot
// it grants at once, so Allocate requests racing on several connections
// cannot exceed a bound; a reservation that pion never turns into an
// allocation (the allocation failed after the quota check) is released after
// reserveFor.
type quota struct {
	perUser, perIP int
	now            func() time.Time

	mu      sync.Mutex
	byUser  map[string]int
	byIP    map[netip.Addr]int
	pending map[string]reservation // by client address and user
	swept   time.Time              // last expire pass
}

// reservation is a slot granted by allow and not yet reported created.
type reservation struct {
	user string
	ip   netip.Addr
	at   time.Time
}

// reserveFor bounds how long a granted slot waits for pion's created event.
const reserveFor = 10 * time.Second

func newQuota(perUser, perIP int) *quota {
	return &quota{perUser: perUser, perIP: perIP, now: time.Now,
		byUser: map[string]int{}, byIP: map[netip.Addr]int{}, pending: map[string]reservation{}}
}

// allow says whether user at src may have one more allocation, and if so
// reserves it.
func (q *quota) allow(user string, src net.Addr) bool {
	ip, key, now := addrIP(src), reservationKey(user, src), q.now()
	q.mu.Lock()
	defer q.mu.Unlock()
	q.expire(now)
	if r, ok := q.pending[key]; ok { // a retransmitted request: the slot is already held
		r.at = now
		q.pending[key] = r
		return true
	}
	if q.byUser[user] >= q.perUser || q.byIP[ip] >= q.perIP {
		return false
	}
	q.add(user, ip, 1)
	q.pending[key] = reservation{user: user, ip: ip, at: now}
	return true
}

// created turns src's reservation into a live allocation (or counts one
// that was never reserved).
func (q *quota) created(user string, src net.Addr) {
	key := reservationKey(user, src)
	q.mu.Lock()
	defer q.mu.Unlock()
	if _, ok := q.pending[key]; ok {
		delete(q.pending, key)
		return
	}
	q.add(user, addrIP(src), 1)
}

func (q *quota) deleted(user string, src net.Addr) {
	q.mu.Lock()
	defer q.mu.Unlock()
	q.add(user, addrIP(src), -1)
}

// expire releases reservations older than reserveFor, at most once a second
// (a pass walks every reservation); q.mu is held.
func (q *quota) expire(now time.Time) {
	if now.Sub(q.swept) < time.Second {
		return
	}
	q.swept = now
	for key, r := range q.pending {
		if now.Sub(r.at) > reserveFor {
			delete(q.pending, key)
			q.add(r.user, r.ip, -1)
		}
	}
}

// add changes the counts of user and ip by n, dropping zero entries; q.mu is held.
func (q *quota) add(user string, ip netip.Addr, n int) {
	if q.byUser[user] += n; q.byUser[user] <= 0 {
		delete(q.byUser, user)
	}
	if q.byIP[ip] += n; q.byIP[ip] <= 0 {
		delete(q.byIP, ip)
	}
}

func reservationKey(user string, src net.Addr) string { return src.String() + "\x00" + user }

// addrIP is the client IP of a UDP or TCP address (invalid for others).
func addrIP(a net.Addr) netip.Addr {
	switch v := a.(type) {
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(v.IP)
		return ip.Unmap()
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(v.IP)
		return ip.Unmap()
	}
	if ap, err := netip.ParseAddrPort(a.String()); err == nil {
		return ap.Addr().Unmap()
	}
	return netip.Addr{}
}
