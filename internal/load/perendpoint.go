package load

import "time"

// EndpointSnapshots returns each endpoint's own totals now, in join order:
// what one participant received, for tests that check every endpoint and
// not only the sum.
func (l *Load) EndpointSnapshots() []*Totals {
	now := time.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	out := make([]*Totals, 0, len(l.eps))
	for _, e := range l.eps {
		t := &Totals{At: now}
		t.add(&e.c)
		out = append(out, t)
	}
	return out
}
