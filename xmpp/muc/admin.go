package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// change is one validated muc#admin item.
type change struct {
	target *occupant // role change (by nick)
	bare   jid.JID   // affiliation change (by JID)
	aff    string
	role   string
	reason []*dom.Element
	actor  string // nick of the moderator who asked (hooks.go: kickedBy)
}

// adminSet applies a muc#admin set: affiliation changes need an owner, role
// changes a moderator. All items are checked before any is applied.
func (s *Service) adminSet(r *room, st *dom.Element, from jid.JID, q *dom.Element) {
	actor := r.byReal(from)
	items := q.ChildrenNamed(ns.MUCAdmin, "item")
	if len(items) == 0 {
		s.reject(st, stanza.BadRequest, "no item")
		return
	}
	changes := make([]change, 0, len(items))
	for _, it := range items {
		c, cond, text := r.parseItem(actor, r.affiliation(from), it)
		if cond != nil {
			s.reject(st, *cond, text)
			return
		}
		if actor != nil {
			c.actor = actor.nick
		}
		changes = append(changes, c)
	}
	for _, c := range changes {
		s.apply(r, c)
	}
	s.deliver(stanza.Result(st))
}

func (r *room) parseItem(actor *occupant, actorAff string, it *dom.Element) (change, *stanza.Condition, string) {
	c := change{aff: it.Attr("affiliation"), role: it.Attr("role"),
		reason: it.ChildrenNamed(ns.MUCAdmin, "reason")}
	if c.aff != "" {
		if actorAff != affOwner {
			return c, &stanza.Forbidden, "only owners may change affiliations"
		}
		return r.parseAffiliation(c, it)
	}
	if actor == nil || actor.role != roleModerator {
		return c, &stanza.Forbidden, "only moderators may change roles"
	}
	c.target = r.occupants[it.Attr("nick")]
	switch {
	case c.target == nil:
		return c, &stanza.ItemNotFound, ""
	case c.role != roleModerator && c.role != roleParticipant && c.role != roleVisitor && c.role != roleNone:
		return c, &stanza.BadRequest, "unknown role"
	case r.affiliation(c.target.real) == affOwner && actorAff != affOwner:
		return c, &stanza.NotAllowed, "an owner's role cannot be changed"
	}
	return c, nil, ""
}

func (r *room) parseAffiliation(c change, it *dom.Element) (change, *stanza.Condition, string) {
	switch c.aff {
	case affOwner, affAdmin, affMember, affNone:
	default:
		return c, &stanza.FeatureNotImplemented, "unsupported affiliation"
	}
	if nick := it.Attr("nick"); nick != "" && it.Attr("jid") == "" {
		o := r.occupants[nick]
		if o == nil {
			return c, &stanza.ItemNotFound, ""
		}
		c.bare = o.real.Bare()
		return c, nil, ""
	}
	j, err := jid.Parse(it.Attr("jid"))
	if err != nil {
		return c, &stanza.JIDMalformed, ""
	}
	c.bare = j.Bare()
	return c, nil, ""
}

func (s *Service) apply(r *room, c change) {
	if c.target == nil {
		r.setAffiliation(c.bare, c.aff)
		for _, o := range r.order {
			if o.real.Bare().Equal(c.bare) {
				o.role = roleFor(c.aff)
				s.broadcast(r, o)
			}
		}
		return
	}
	if c.role == roleNone {
		// A kicked occupant loses its affiliation, as with Prosody's
		// muc_meeting_id: it cannot come back as owner or member.
		r.setAffiliation(c.target.real.Bare(), affNone)
		c.target.kicked = &kickedBy{actor: c.actor, reason: c.reason}
		s.leave(r, c.target, nil, []string{statusKicked})
		return
	}
	c.target.role = c.role
	s.broadcast(r, c.target)
}
