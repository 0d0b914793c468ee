package xmpp

import (
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// ipTable counts concurrent streams and login attempts per IP address. It
// is bounded: idle entries are swept when it is full, and a new address is
// refused while it stays full.
type ipTable struct {
	maxConns int        // <= 0: unlimited
	logins   rate.Limit // per second; 0 with loginBurst 0: unlimited
	burst    int
	max      int
	now      func() time.Time

	mu sync.Mutex
	m  map[string]*ipEntry
}

type ipEntry struct {
	conns  int
	logins *rate.Limiter
}

func newIPTable(l Limits) *ipTable {
	t := &ipTable{maxConns: l.ConnsPerIP, max: maxIPEntries, now: time.Now, m: map[string]*ipEntry{}}
	if l.LoginsPerMinute > 0 {
		t.logins, t.burst = rate.Limit(float64(l.LoginsPerMinute)/60), l.LoginsPerMinute
	}
	return t
}

// entry returns ip's entry, creating it; nil when the table is full.
// Called with t.mu held.
func (t *ipTable) entry(ip string) *ipEntry {
	if e := t.m[ip]; e != nil {
		return e
	}
	if len(t.m) >= t.max {
		t.sweep()
		if len(t.m) >= t.max {
			return nil
		}
	}
	e := &ipEntry{}
	if t.burst > 0 {
		e.logins = rate.NewLimiter(t.logins, t.burst)
	}
	t.m[ip] = e
	return e
}

// sweep drops entries without streams whose login bucket is full again.
func (t *ipTable) sweep() {
	now := t.now()
	for ip, e := range t.m {
		if e.conns == 0 && (e.logins == nil || e.logins.TokensAt(now) >= float64(t.burst)) {
			delete(t.m, ip)
		}
	}
}

// acquire counts a new stream from ip; false when ip is at its cap. An
// unknown address ("") is not limited.
func (t *ipTable) acquire(ip string) bool {
	if ip == "" {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(ip)
	if e == nil || (t.maxConns > 0 && e.conns >= t.maxConns) {
		return false
	}
	e.conns++
	return true
}

// release ends a stream counted by acquire.
func (t *ipTable) release(ip string) {
	if ip == "" {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[ip]; e != nil && e.conns > 0 {
		e.conns--
	}
}

// login spends one login attempt of ip; false when none is left.
func (t *ipTable) login(ip string) bool {
	if t.burst == 0 || ip == "" {
		return true
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	e := t.entry(ip)
	return e != nil && e.logins.AllowN(t.now(), 1)
}
