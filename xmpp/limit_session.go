package xmpp

import (
	"context"

	"golang.org/x/time/rate"
	"mellium.im/xmpp/jid"
)

// newStanzaLimiter returns the per-session stanza bucket for user, or nil
// when the limit is off or user is a service account.
func (s *Server) newStanzaLimiter(user jid.JID) *rate.Limiter {
	l := s.cfg.Limits
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

// throttle waits until the session may send another stanza. Waiting stops
// reading from the peer, so a flood backs up into its own connection.
func (c *c2s) throttle(ctx context.Context) error {
	if c.sess == nil || c.sess.auth == nil || c.sess.auth.limiter == nil {
		return nil
	}
	return c.sess.auth.limiter.Wait(ctx)
}
