package xmpp

import (
	"sync"
	"sync/atomic"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
)

// session is a bound entity known to the router: a client stream or a
// LocalSession.
type session struct {
	jid     jid.JID
	aliases []string
	q       *queue
	auth    *authInfo // client sessions: how they logged in; nil for local ones
	remote  string    // client sessions: the peer address (host:port)
	// hostBySession: a guest session that presented a host's session-id
	// (the web app's login dialog, docs/lobby.md).
	hostBySession atomic.Bool
}

// router indexes bound sessions by full JID, bare JID and alias domain.
type router struct {
	mu    sync.RWMutex
	full  map[string]*session
	bare  map[string][]*session
	alias map[string]*session
}

func newRouter() *router {
	return &router{full: map[string]*session{}, bare: map[string][]*session{}, alias: map[string]*session{}}
}

func (r *router) add(s *session) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.jid.String()
	if _, ok := r.full[key]; ok {
		return ErrJIDInUse
	}
	for _, a := range s.aliases {
		if _, ok := r.alias[a]; ok {
			return ErrAliasInUse
		}
	}
	r.full[key] = s
	b := s.jid.Bare().String()
	r.bare[b] = append(r.bare[b], s)
	for _, a := range s.aliases {
		r.alias[a] = s
	}
	return nil
}

func (r *router) remove(s *session) {
	r.mu.Lock()
	defer r.mu.Unlock()
	key := s.jid.String()
	if r.full[key] != s {
		return
	}
	delete(r.full, key)
	b := s.jid.Bare().String()
	list := r.bare[b][:0]
	for _, x := range r.bare[b] {
		if x != s {
			list = append(list, x)
		}
	}
	if len(list) == 0 {
		delete(r.bare, b)
	} else {
		r.bare[b] = list
	}
	for _, a := range s.aliases {
		delete(r.alias, a)
	}
}

func (r *router) byFull(j jid.JID) *session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.full[j.String()]
}

func (r *router) byBare(j jid.JID) []*session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return append([]*session(nil), r.bare[j.Bare().String()]...)
}

func (r *router) byAlias(domain string) *session {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return r.alias[domain]
}

// push queues st for s; a full queue ends the session with policy-violation.
func push(s *session, st *dom.Element) {
	if !s.q.push(st) {
		s.q.close(condPolicyViolation)
	}
}
