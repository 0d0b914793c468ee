package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// textRoomCreationRestricted is the error text lib-jitsi-meet recognises to
// retry the conference request and the join.
const textRoomCreationRestricted = "Room creation is restricted"

func (s *Service) handlePresence(st *dom.Element, from, to jid.JID) {
	if to.Resourcepart() == "" {
		s.reject(st, stanza.JIDMalformed, "a nickname is required")
		return
	}
	r := s.rooms[to.Localpart()]
	var o *occupant
	if r != nil {
		o = r.byReal(from)
	}
	switch st.Attr("type") {
	case "":
		s.available(r, o, st, from, to)
	case "unavailable":
		if o != nil {
			s.leave(r, o, st.ChildrenNamed(ns.Client, "status"), nil)
		}
	}
}

func (s *Service) available(r *room, o *occupant, st *dom.Element, from, to jid.JID) {
	nick := to.Resourcepart()
	switch {
	case o == nil:
		s.join(r, st, from, to)
	case o.nick != nick:
		s.changeNick(r, o, st, nick)
	default:
		o.pres = s.occupantPresence(st, from)
		s.broadcast(r, o)
	}
}

func (s *Service) join(r *room, st *dom.Element, from, to jid.JID) {
	created := false
	if r == nil {
		if s.policy.MayCreate != nil && !s.policy.MayCreate(from) {
			s.reject(st, stanza.NotAllowed, textRoomCreationRestricted)
			return
		}
		if s.policy.MayJoin != nil && !s.policy.MayJoin(from, to.Localpart()) {
			s.reject(st, stanza.NotAllowed, textTokenMismatch)
			return
		}
		r = newRoom(to.Bare())
		r.joins = s.newJoinLimiter()
		r.permissions = permissionsElement(s.policy.ModeratorFeatures)
		if s.lobby.Domainpart() != "" && s.policy.Lobby.ByDefault {
			r.membersOnly, r.lobby = true, s.newLobby(r)
		}
		r.setAffiliation(from.Bare(), affOwner)
		s.rooms[to.Localpart()] = r
		created = true
		s.log.Info("room created", "room", r.jid.String())
	} else if !s.admit(r, st, from) || s.throttled(r, st, from) {
		return
	}
	if other := r.occupants[to.Resourcepart()]; other != nil {
		s.reject(st, stanza.Conflict, "")
		return
	}
	if s.policy.Owner != nil && s.policy.Owner(from) {
		r.setAffiliation(from.Bare(), affOwner)
	}
	o := &occupant{nick: to.Resourcepart(), real: from, pres: s.occupantPresence(st, from)}
	o.role = roleFor(r.affiliation(from))
	s.enter(r, o, created)
}

// enter adds o to r and sends the join presences: the others' to o, o's to
// the others, o's own with status 110 (and 201 for a new room), the subject.
func (s *Service) enter(r *room, o *occupant, created bool) {
	for _, other := range r.order {
		s.deliver(r.presenceOf(other, o.real))
	}
	r.add(o)
	for _, other := range r.order {
		if other != o {
			s.deliver(r.presenceOf(o, other.real))
		}
	}
	codes := []string{statusNonAnonymous}
	if created {
		codes = append(codes, statusCreated)
	}
	s.deliver(r.presenceOf(o, o.real, codes...))
	s.deliver(r.subjectMessage(o.real))
	if len(r.order) > 1 && r.created.IsZero() {
		r.created = s.now()
	}
	s.log.Debug("occupant joined", "room", r.jid.String(), "nick", o.nick)
	s.fire(Joined, r, o)
}

// occupantPresence is the presence payload kept for rebroadcast, with the
// identity the server vouches for in place of any the client sent.
func (s *Service) occupantPresence(st *dom.Element, from jid.JID) *dom.Element {
	p := cleanPresence(st)
	p.RemoveChildren(ns.Client, "identity")
	if s.policy.Identity != nil {
		if id := s.policy.Identity(from); id != nil {
			p.Add(id)
		}
	}
	return p
}

// broadcast sends o's current presence to every occupant.
func (s *Service) broadcast(r *room, o *occupant) {
	for _, other := range r.order {
		s.deliver(r.presenceOf(o, other.real))
	}
	s.fire(Updated, r, o)
}

// leave removes o and tells everyone, o included. extra holds elements to
// copy into the unavailable presence; codes are added status codes.
func (s *Service) leave(r *room, o *occupant, extra []*dom.Element, codes []string) {
	for _, other := range r.order {
		s.deliver(r.unavailableOf(o, other.real, extra, codes...))
	}
	r.remove(o)
	s.log.Debug("occupant left", "room", r.jid.String(), "nick", o.nick)
	s.fire(Left, r, o)
	if len(r.order) == 0 {
		s.closeLobby(r, "", textLobbyClosed, false)
		delete(s.rooms, r.jid.Localpart())
		s.log.Info("room destroyed", "room", r.jid.String())
		s.fire(Destroyed, r, nil)
		return
	}
	s.lobbyAfterLeave(r)
}

func (r *room) subjectMessage(to jid.JID) *dom.Element {
	m := dom.New(ns.Client, "message")
	m.SetAttr("type", "groupchat").SetAttr("from", r.jid.String()).SetAttr("to", to.String())
	m.AddNew(ns.Client, "subject").SetText(r.subject)
	return m
}
