package xmpp

import (
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/time/rate"
)

// ipTable counts concurrent streams and login attempts per address key
// (ipKey: an IPv4 address or an IPv6 /64). It never refuses an address
// because it is full: entries without streams are swept, then dropped; an
// entry with streams stays, so the table holds at most max entries plus one
// per open stream, and open streams are bounded by the per-key cap and the
// global pre-auth bound (limit_preauth.go). Refusals and full-table events
// are counted and logged.
type ipTable struct {
	maxConns int        // <= 0: unlimited
	logins   rate.Limit // per second; 0 with loginBurst 0: unlimited
	burst    int
	max      int
	now      func() time.Time
	log      *slog.Logger

	refusedConns  atomic.Uint64 // streams refused at the per-key cap
	refusedLogins atomic.Uint64 // SASL attempts refused by the login rate
	full          atomic.Uint64 // times the table was full of live entries

	mu sync.Mutex
	m  map[string]*ipEntry
}

type ipEntry struct {
	conns  int
	logins *rate.Limiter
}

func newIPTable(l Limits, log *slog.Logger) *ipTable {
	t := &ipTable{max: maxIPEntries, now: time.Now, log: log, m: map[string]*ipEntry{}}
	t.setLimits(l)
	return t
}

// setLimits applies the per-address caps of l. Login buckets already made
// keep their size until their entry is dropped.
func (t *ipTable) setLimits(l Limits) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.maxConns, t.logins, t.burst = l.ConnsPerIP, 0, 0
	if l.LoginsPerMinute > 0 {
		t.logins, t.burst = rate.Limit(float64(l.LoginsPerMinute)/60), l.LoginsPerMinute
	}
}

// ipKey is the table key of a remote address: the address for IPv4 (and
// IPv4-mapped IPv6), its /64 prefix for IPv6, because one subscriber
// usually holds a whole /64 and could otherwise use 2^64 "addresses".
func ipKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil {
		return ip
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	p, _ := a.Prefix(64)
	return p.String()
}

// entry returns key's entry, creating it. Called with t.mu held.
func (t *ipTable) entry(key string) *ipEntry {
	if e := t.m[key]; e != nil {
		return e
	}
	if len(t.m) >= t.max {
		t.makeRoom()
	}
	e := &ipEntry{}
	if t.burst > 0 {
		e.logins = rate.NewLimiter(t.logins, t.burst)
	}
	t.m[key] = e
	return e
}

// makeRoom sweeps entries without streams whose login bucket is full
// again; when that frees nothing it drops every entry without streams
// (their partly spent login buckets start afresh). Entries with streams
// stay: each stands for an open connection.
func (t *ipTable) makeRoom() {
	now := t.now()
	t.dropIdle(func(e *ipEntry) bool { return e.logins == nil || e.logins.TokensAt(now) >= float64(e.logins.Burst()) })
	if len(t.m) < t.max {
		return
	}
	t.dropIdle(func(*ipEntry) bool { return true })
	if len(t.m) >= t.max {
		n := t.full.Add(1)
		logSparse(t.log, n, "xmpp: per-IP table full of open connections, growing past its size", "entries", len(t.m), "full_total", n)
	}
}

func (t *ipTable) dropIdle(drop func(*ipEntry) bool) {
	for k, e := range t.m {
		if e.conns == 0 && drop(e) {
			delete(t.m, k)
		}
	}
}

// acquire counts a new stream from ip; false when ip's key is at its cap.
// An unknown address ("") is not limited.
func (t *ipTable) acquire(ip string) bool {
	if ip == "" {
		return true
	}
	key := ipKey(ip)
	t.mu.Lock()
	e, max := t.entry(key), t.maxConns
	ok := max <= 0 || e.conns < max
	if ok {
		e.conns++
	}
	t.mu.Unlock()
	if !ok {
		n := t.refusedConns.Add(1)
		logSparse(t.log, n, "xmpp: connection refused, too many open from one address", "addr", key, "cap", max, "refused_total", n)
	}
	return ok
}

// release ends a stream counted by acquire.
func (t *ipTable) release(ip string) {
	if ip == "" {
		return
	}
	key := ipKey(ip)
	t.mu.Lock()
	defer t.mu.Unlock()
	if e := t.m[key]; e != nil && e.conns > 0 {
		e.conns--
	}
}

// login spends one login attempt of ip; false when none is left.
func (t *ipTable) login(ip string) bool {
	if ip == "" {
		return true
	}
	key := ipKey(ip)
	t.mu.Lock()
	ok := t.burst == 0
	if !ok {
		e := t.entry(key)
		if e.logins == nil { // created while the limit was off
			e.logins = rate.NewLimiter(t.logins, t.burst)
		}
		ok = e.logins.AllowN(t.now(), 1)
	}
	t.mu.Unlock()
	if !ok {
		n := t.refusedLogins.Add(1)
		logSparse(t.log, n, "xmpp: login refused, too many attempts from one address", "addr", key, "refused_total", n)
	}
	return ok
}

// logSparse logs the 1st, 2nd, 4th, 8th… occurrence of a refusal, so a
// flood is visible without flooding the log.
func logSparse(log *slog.Logger, n uint64, msg string, args ...any) {
	if log != nil && n&(n-1) == 0 {
		log.Warn(msg, args...)
	}
}
