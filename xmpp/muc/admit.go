package muc

import (
	"crypto/subtle"
	"time"

	"golang.org/x/time/rate"
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// maxJoinWait is the longest a throttled join waits before it is refused.
const maxJoinWait = 10 * time.Second

// Texts of join errors (Prosody's wording where lib-jitsi-meet shows it).
const (
	textTokenMismatch = "Room and token mismatched"
	textRoomFull      = "The room is full"
	textJoinsThrottle = "Too many joins, try again"
)

// resourceConstraint is the error for a join the throttle refuses.
var resourceConstraint = stanza.Condition{Name: "resource-constraint", Type: stanza.Wait}

// admit checks a join into an existing room: token, members-only,
// password and size; it answers the refused ones. Service accounts pass
// everything but the token check.
func (s *Service) admit(r *room, st *dom.Element, from jid.JID) bool {
	if s.policy.MayJoin != nil && !s.policy.MayJoin(from, r.jid.Localpart()) {
		s.reject(st, stanza.NotAllowed, textTokenMismatch)
		return false
	}
	if s.exempt(from) {
		return true
	}
	switch {
	case s.policy.MaxOccupants > 0 && s.counted(r) >= s.policy.MaxOccupants:
		s.reject(st, stanza.ServiceUnavailable, textRoomFull)
	case r.membersOnly:
		return s.passLobby(r, st, from)
	case r.password != "":
		return s.checkPassword(r, st, from)
	default:
		return true
	}
	return false
}

func (s *Service) exempt(real jid.JID) bool {
	return s.policy.Exempt != nil && s.policy.Exempt(real)
}

// counted is the number of occupants the room size limit counts.
func (s *Service) counted(r *room) int {
	n := 0
	for _, o := range r.order {
		if !s.exempt(o.real) {
			n++
		}
	}
	return n
}

func passwordMatches(want string, st *dom.Element) bool {
	got := st.Child(ns.MUC, "x").Child(ns.MUC, "password")
	return got != nil && subtle.ConstantTimeCompare([]byte(got.Text), []byte(want)) == 1
}

// newJoinLimiter returns a room's join throttle, nil when it is off.
func (s *Service) newJoinLimiter() *rate.Limiter {
	if s.policy.JoinRate <= 0 || s.policy.JoinBurst <= 0 {
		return nil
	}
	return rate.NewLimiter(rate.Limit(s.policy.JoinRate), s.policy.JoinBurst)
}

// throttled reports whether a join must wait. It then either schedules
// the join to be handled again when its turn comes, or refuses it when the
// wait would be too long.
func (s *Service) throttled(r *room, st *dom.Element, from jid.JID) bool {
	if r.joins == nil || s.replaying || s.exempt(from) {
		return false
	}
	res := r.joins.ReserveN(s.now(), 1)
	d := res.DelayFrom(s.now())
	switch {
	case d == 0:
		return false
	case !res.OK() || d > maxJoinWait:
		res.CancelAt(s.now())
		s.reject(st, resourceConstraint, textJoinsThrottle)
		return true
	}
	time.AfterFunc(d, func() { s.replay(st) })
	return true
}

// replay handles a delayed join whose throttle slot has come.
func (s *Service) replay(st *dom.Element) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.replaying = true
	defer func() { s.replaying = false }()
	s.handleLocked(st)
}
