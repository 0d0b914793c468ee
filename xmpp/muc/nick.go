package muc

import (
	"errors"
	"fmt"
	"unicode"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// changeNick renames occupant o (XEP-0045 §7.6): everyone gets o's
// unavailable presence under the old nick with status 303 and the new nick,
// then its presence under the new nick.
func (s *Service) changeNick(r *room, o *occupant, st *dom.Element, nick string) {
	if r.occupants[nick] != nil {
		s.reject(st, stanza.Conflict, "")
		return
	}
	for _, other := range r.order {
		p := r.unavailableOf(o, other.real, nil, statusNickChanged)
		p.Child(ns.MUCUser, "x").Child(ns.MUCUser, "item").SetAttr("nick", nick).
			SetAttr("role", o.role)
		s.deliver(p)
	}
	delete(r.occupants, o.nick)
	o.nick = nick
	r.occupants[nick] = o
	o.pres = s.occupantPresence(st, o.real)
	s.broadcast(r, o)
	s.log.Debug("occupant renamed", "room", r.jid.String(), "nick", nick)
}

// Bounds on what an occupant may call itself (reliability row A8).
const (
	// MaxNickBytes bounds an occupant nickname (the resource of its
	// occupant JID); Jitsi clients use 8-character endpoint ids.
	MaxNickBytes = 128
	// MaxDisplayNameBytes bounds the display name a client puts in its
	// presence (XEP-0172 <nick/>).
	MaxDisplayNameBytes = 512
)

// Errors of CheckNick and CheckDisplayName.
var (
	ErrNameTooLong  = errors.New("muc: name too long")
	ErrNameControls = errors.New("muc: name contains control or bidi-override characters")
)

// CheckNick reports why nick may not name an occupant: too long, or it
// holds control characters or bidi overrides (which let a name display as
// another one, e.g. the host's).
func CheckNick(nick string) error { return checkName(nick, MaxNickBytes) }

// CheckDisplayName reports why a display name is refused; see CheckNick.
func CheckDisplayName(name string) error { return checkName(name, MaxDisplayNameBytes) }

func checkName(s string, max int) error {
	if len(s) > max {
		return fmt.Errorf("%w: %d bytes, at most %d", ErrNameTooLong, len(s), max)
	}
	for _, r := range s {
		if unicode.IsControl(r) || isBidiControl(r) {
			return fmt.Errorf("%w: U+%04X", ErrNameControls, r)
		}
	}
	return nil
}

// isBidiControl reports the explicit directional embeddings, overrides
// and isolates (U+202A–U+202E, U+2066–U+2069): they reorder the text
// around them. The marks (LRM, RLM, ALM) only hint a direction and stay
// allowed.
func isBidiControl(r rune) bool {
	return (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)
}
