package xmpp

import (
	"log/slog"
	"sync"
	"sync/atomic"
)

// preAuthSet bounds the client streams that have not bound a resource yet,
// server-wide. When a new stream would exceed the bound, the oldest pre-auth
// stream of the address key holding the most pre-auth streams is closed
// (resource-constraint): a flood from few addresses evicts itself first,
// and a flood from many addresses evicts its own oldest streams, while a
// new user is always admitted.
type preAuthSet struct {
	max int // <= 0: unbounded
	log *slog.Logger

	evicted atomic.Uint64

	mu    sync.Mutex
	n     int
	seq   uint64
	byKey map[string][]*preAuthStream // oldest first
}

// preAuthStream is one registered stream; evict closes it.
type preAuthStream struct {
	key   string
	seq   uint64 // admission order
	evict func()
}

func newPreAuthSet(max int, log *slog.Logger) *preAuthSet {
	return &preAuthSet{max: max, log: log, byKey: map[string][]*preAuthStream{}}
}

// add registers a pre-auth stream from key, evicting another first when
// the set is full. The caller removes it at bind or end.
func (p *preAuthSet) add(key string, evict func()) *preAuthStream {
	p.mu.Lock()
	p.seq++
	st := &preAuthStream{key: key, seq: p.seq, evict: evict}
	var victim *preAuthStream
	if p.max > 0 && p.n >= p.max {
		victim = p.takeVictim()
	}
	p.byKey[key] = append(p.byKey[key], st)
	p.n++
	p.mu.Unlock()
	if victim != nil {
		n := p.evicted.Add(1)
		logSparse(p.log, n, "xmpp: pre-auth stream evicted, too many streams not logged in",
			"addr", victim.key, "evicted_total", n)
		victim.evict()
	}
	return st
}

// takeVictim removes and returns the oldest stream of the key with the
// most streams. Called with p.mu held and p.n > 0.
func (p *preAuthSet) takeVictim() *preAuthStream {
	var v *preAuthStream
	most := 0
	for _, l := range p.byKey {
		if len(l) > most || (len(l) == most && l[0].seq < v.seq) {
			v, most = l[0], len(l)
		}
	}
	p.removeLocked(v)
	return v
}

// remove unregisters st; removing twice is harmless.
func (p *preAuthSet) remove(st *preAuthStream) {
	p.mu.Lock()
	p.removeLocked(st)
	p.mu.Unlock()
}

func (p *preAuthSet) removeLocked(st *preAuthStream) {
	l := p.byKey[st.key]
	for i, x := range l {
		if x == st {
			l = append(l[:i:i], l[i+1:]...)
			p.n--
			break
		}
	}
	if len(l) == 0 {
		delete(p.byKey, st.key)
	} else {
		p.byKey[st.key] = l
	}
}

// setMax changes the bound; streams over a lowered bound stay until they
// log in, time out or are evicted by newcomers.
func (p *preAuthSet) setMax(max int) {
	p.mu.Lock()
	p.max = max
	p.mu.Unlock()
}

// size returns the number of pre-auth streams.
func (p *preAuthSet) size() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.n
}
