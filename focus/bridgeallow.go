package focus

import (
	"strings"
	"sync"
)

// allowList decides which real XMPP addresses may act as bridges in the
// brewery (docs/scale-out.md#which-accounts-may-be-bridges). An entry is a
// full JID (that session), a bare JID (that account, any resource) or a
// domain (every address in it). Matching ignores case.
type allowList struct {
	entries map[string]bool
}

func newAllowList(entries []string) allowList {
	a := allowList{entries: make(map[string]bool, len(entries))}
	for _, e := range entries {
		a.entries[strings.ToLower(e)] = true
	}
	return a
}

// allows reports whether real, a full or bare JID, matches an entry.
func (a allowList) allows(real string) bool {
	real = strings.ToLower(real)
	bare := bareJID(real)
	if real == "" || a.entries[real] || a.entries[bare] {
		return real != ""
	}
	_, domain, ok := strings.Cut(bare, "@")
	if !ok {
		domain = bare
	}
	return a.entries[domain]
}

// maxRefusedLogged bounds the set of refused JIDs remembered for logging
// once each; past it refusals are only counted.
const maxRefusedLogged = 1024

// refusals remembers which refused addresses were logged already.
type refusals struct {
	mu   sync.Mutex
	seen map[string]bool
}

// first reports whether key is refused for the first time (and remembers
// it while there is room).
func (r *refusals) first(key string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.seen == nil {
		r.seen = make(map[string]bool)
	}
	if r.seen[key] || len(r.seen) >= maxRefusedLogged {
		return false
	}
	r.seen[key] = true
	return true
}
