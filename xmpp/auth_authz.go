package xmpp

import (
	"strings"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// authorized checks a client's stanza against its login before routing.
// Requests to service accounts (focus, bridge) come only from other service
// accounts. A conference request must name a room the session's token
// allows, and a token carried in the request must be valid for that room.
func (s *Server) authorized(sess *session, st *dom.Element) (stanza.Condition, bool) {
	if !stanza.IsRequest(st) {
		return stanza.Condition{}, true
	}
	to, err := parseAddr(st.Attr("to"))
	if err != nil {
		return stanza.Condition{}, true
	}
	if s.isService(to) && !s.isService(sess.jid) {
		return stanza.ServiceUnavailable, false
	}
	conf := st.Child(ns.Focus, "conference")
	if to.Domainpart() != s.cfg.FocusDomain || conf == nil {
		return stanza.Condition{}, true
	}
	if !s.redeemSessionID(sess, conf) {
		return stanza.NotAcceptable, false
	}
	if !s.conferenceAllowed(sess, conf) {
		s.log.Info("conference request refused: no token for this room", "room", conf.Attr("room"))
		return stanza.NotAuthorized, false
	}
	if !s.hostPresent(sess, conf) {
		return stanza.NotAuthorized, false
	}
	return stanza.Condition{}, true
}

func (s *Server) conferenceAllowed(sess *session, conf *dom.Element) bool {
	room, _, _ := strings.Cut(conf.Attr("room"), "@")
	if sess.auth != nil && sess.auth.grant != nil {
		return sess.auth.grant.allows(room)
	}
	if tok, v := conf.Attr("token"), s.login.conf().tokens; tok != "" && v != nil {
		g, err := v.verify(tok)
		return err == nil && g.allows(room)
	}
	return !s.tokenOnly(room)
}

// tokenOnly reports whether room admits token holders only
// (Auth.TokenOnlyRoom).
func (s *Server) tokenOnly(room string) bool {
	f := s.cfg.Auth.TokenOnlyRoom
	return f != nil && f(strings.ToLower(room))
}

// directEntry lets token holders of a token-only room pass its lobby when
// Auth.TokenRoomDirect is set.
func (s *Server) directEntry(real jid.JID, room string) bool {
	if !s.cfg.Auth.TokenRoomDirect || !s.tokenOnly(room) {
		return false
	}
	a := s.authOf(real)
	return a != nil && a.grant != nil && a.grant.allows(room)
}

// conferencePolicy is the conference MUC's policy: who creates rooms
// (mayCreate), which rooms a token allows, who is owner by login, the
// identity from a token, and the room limits service accounts are exempt
// from.
func (s *Server) conferencePolicy(mayCreate func(jid.JID) bool) muc.Policy {
	l := s.cfg.Limits
	return muc.Policy{
		MayCreate: mayCreate,
		MayJoin:   s.mayJoin,
		Owner:     s.isHostJID,
		Identity: func(real jid.JID) *dom.Element {
			if a := s.authOf(real); a != nil && a.grant != nil {
				return a.grant.identity()
			}
			return nil
		},
		Member:            s.directEntry,
		Exempt:            s.exemptFromRoomLimits,
		ModeratorFeatures: moderatorFeatures(),
		Source:            s.sourceOf,
		MaxOccupants:      l.MaxOccupants,
		JoinRate:          l.JoinRate,
		JoinBurst:         l.JoinBurst,
	}
}

// authOf returns the login of the client session bound to real, or nil.
func (s *Server) authOf(real jid.JID) *authInfo {
	if sess := s.router.byFull(real); sess != nil {
		return sess.auth
	}
	return nil
}

// mayJoin lets a sender into a conference room: a user of this server must
// still be connected (a throttled join may come late) and its token, if
// any, must name the room. Other senders (components) are not checked.
func (s *Server) mayJoin(real jid.JID, room string) bool {
	sess := s.router.byFull(real)
	if sess == nil {
		return !s.isHost(real.Domainpart())
	}
	a := sess.auth
	if a == nil || a.grant == nil {
		return s.isService(real) || !s.tokenOnly(room) // the focus, Jibri: service accounts
	}
	return a.grant.allows(room)
}
