package xmpp

import (
	"context"
	"fmt"
	"slices"
	"sync"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// LocalSession is an in-process entity (the focus, a bridge) logged in
// without SASL. It satisfies the Conn interfaces of focus and bridge.
type LocalSession struct {
	srv  *Server
	sess *session
	once sync.Once
}

// Attach logs an internal entity in with the given full JID (no SASL).
// Stanzas addressed to that JID, its bare JID, or to any of the alias
// domains (e.g. "focus.localhost") are delivered to it.
func (s *Server) Attach(ctx context.Context, fullJID string, aliasDomains ...string) (*LocalSession, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	j, err := jid.Parse(fullJID)
	if err != nil || j.Resourcepart() == "" || j.Localpart() == "" {
		return nil, fmt.Errorf("%w: %q is not a full JID", ErrNotLocal, fullJID)
	}
	if !s.isHost(j.Domainpart()) {
		return nil, fmt.Errorf("%w: %q", ErrNotLocal, fullJID)
	}
	for _, a := range aliasDomains {
		if s.isHost(a) || s.mucs[a] != nil {
			return nil, fmt.Errorf("%w: %q is a server domain", ErrAliasInUse, a)
		}
	}
	l := &LocalSession{srv: s, sess: &session{jid: j, aliases: slices.Clone(aliasDomains), q: newQueue(0)}}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil, ErrClosed
	}
	if err := s.router.add(l.sess); err != nil {
		return nil, fmt.Errorf("attach %s: %w", fullJID, err)
	}
	s.locals[l] = struct{}{}
	s.log.Info("local session attached", "jid", j.String())
	return l, nil
}

// JID returns the session's full JID.
func (l *LocalSession) JID() string { return l.sess.jid.String() }

// Send routes a stanza exactly as if this session had sent it over a stream:
// `from` is stamped to JID() unless it is one of the alias domains or an
// address in one (the focus sends its hidden-domain recorder occupant's
// presence, docs/recording.md): only in-process sessions may do that.
func (l *LocalSession) Send(ctx context.Context, st *dom.Element) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if st == nil || st.Space != ns.Client || !isStanza(st.Local) {
		return ErrBadStanza
	}
	select {
	case <-l.sess.q.done:
		return ErrClosed
	default:
	}
	c := st.Copy()
	if !l.fromAlias(c.Attr("from")) {
		c.SetAttr("from", l.JID())
	}
	l.srv.route(c)
	return nil
}

// fromAlias reports whether from is one of the session's alias domains or
// an address in one of them.
func (l *LocalSession) fromAlias(from string) bool {
	j, err := jid.Parse(from)
	return err == nil && from != "" && slices.Contains(l.sess.aliases, j.Domainpart())
}

// Recv returns the next stanza delivered to this session, or io.EOF after
// Close or server close.
func (l *LocalSession) Recv(ctx context.Context) (*dom.Element, error) {
	return l.sess.q.pop(ctx)
}

// Close leaves all rooms (unavailable presence), like a disconnect.
func (l *LocalSession) Close() error {
	l.once.Do(func() {
		l.srv.router.remove(l.sess)
		l.srv.leaveAll(l.sess.jid, l.sess.aliases...)
		l.sess.q.close("")
		l.srv.mu.Lock()
		delete(l.srv.locals, l)
		l.srv.mu.Unlock()
		l.srv.log.Info("local session closed", "jid", l.JID())
	})
	return nil
}

func isStanza(local string) bool {
	return local == "iq" || local == "message" || local == "presence"
}
