package xmpp

import (
	"context"

	"golang.org/x/time/rate"
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
)

// newStanzaLimiter returns the per-session stanza bucket for user, or nil
// when the limit is off or user is a service account.
func (s *Server) newStanzaLimiter(user jid.JID) *rate.Limiter {
	l := s.login.conf().limits
	if l.StanzaRate < 0 || l.StanzaBurst < 0 || s.isService(user) {
		return nil
	}
	return rate.NewLimiter(rate.Limit(l.StanzaRate), l.StanzaBurst)
}

// isService reports whether j is a service account (a user of AuthDomain,
// e.g. the focus, a bridge or Jibri): exempt from session and room limits.
func (s *Server) isService(j jid.JID) bool {
	return j.Domainpart() == s.cfg.AuthDomain && j.Localpart() != ""
}

// newByteLimiter returns the per-session byte bucket for user, or nil when
// the limit is off or user is a service account. Its burst is the stanza
// size limit, so any legal stanza passes, after a wait when the session
// has sent much already.
func (s *Server) newByteLimiter(user jid.JID) *rate.Limiter {
	l := s.login.conf().limits
	if l.BytesPerSecond < 0 || s.isService(user) {
		return nil
	}
	return rate.NewLimiter(rate.Limit(l.BytesPerSecond), s.cfg.MaxStanzaBytes)
}

// throttle waits until the session may send el: one stanza of the stanza
// bucket and its size of the byte bucket. Waiting stops reading from the
// peer, so a flood backs up into its own connection.
func (c *c2s) throttle(ctx context.Context, el *dom.Element) error {
	if c.sess == nil || c.sess.auth == nil {
		return nil
	}
	a := c.sess.auth
	if a.limiter != nil {
		if err := a.limiter.Wait(ctx); err != nil {
			return err
		}
	}
	if a.bytes != nil {
		return a.bytes.WaitN(ctx, min(elementBytes(el), a.bytes.Burst()))
	}
	return nil
}
