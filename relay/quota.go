package relay

import (
	"net"
	"net/netip"
	"sync"
)

// quota counts live allocations per credential user and per client
// address. pion asks allow before it creates an allocation and reports
// creations and deletions through its event handler. Allocate requests on
// one UDP socket or one TCP connection are handled one after the other, so
// the count is exact per connection; requests racing on several
// connections can exceed a bound by the number of connections in flight
// (which the per-IP connection caps bound).
type quota struct {
	perUser, perIP int

	mu     sync.Mutex
	byUser map[string]int
	byIP   map[netip.Addr]int
}

func newQuota(perUser, perIP int) *quota {
	return &quota{perUser: perUser, perIP: perIP, byUser: map[string]int{}, byIP: map[netip.Addr]int{}}
}

// allow says whether user at src may have one more allocation.
func (q *quota) allow(user string, src net.Addr) bool {
	ip := addrIP(src)
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.byUser[user] < q.perUser && q.byIP[ip] < q.perIP
}

func (q *quota) created(user string, src net.Addr) {
	ip := addrIP(src)
	q.mu.Lock()
	defer q.mu.Unlock()
	q.byUser[user]++
	q.byIP[ip]++
}

func (q *quota) deleted(user string, src net.Addr) {
	ip := addrIP(src)
	q.mu.Lock()
	defer q.mu.Unlock()
	if q.byUser[user]--; q.byUser[user] <= 0 {
		delete(q.byUser, user)
	}
	if q.byIP[ip]--; q.byIP[ip] <= 0 {
		delete(q.byIP, ip)
	}
}

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
