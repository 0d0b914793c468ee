package muc

import (
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// This file is the seam the room components (AV moderation, speaker stats,
// polls, end conference, ...; docs/room-components.md) use: a read-only view
// of rooms and occupants, room destruction, and occupant events.

// Occupant is a snapshot of one room occupant.
type Occupant struct {
	Nick        string
	Real        jid.JID // the occupant's real full JID
	Role        string  // "moderator", "participant", "visitor"
	Affiliation string
	DisplayName string // the <nick xmlns='http://jabber.org/protocol/nick'/> of its presence
}

// Moderator reports whether the occupant has the moderator role.
func (o Occupant) Moderator() bool { return o.Role == roleModerator }

// EventKind says what happened to an occupant or room.
type EventKind int

// Occupant and room events.
const (
	Joined    EventKind = iota + 1 // the occupant entered (after its join presences went out)
	Updated                        // its presence, role or affiliation changed
	Left                           // it left or was removed
	Destroyed                      // the room is gone (Occupant is zero)
)

// Event is one change a Hook hears about. Room is the bare room JID.
type Event struct {
	Kind     EventKind
	Room     jid.JID
	Occupant Occupant
}

// Hook receives room events. It is called with the service's lock held:
// it must not block and must not call back into the Service (a component
// queries the Service only while holding none of its own locks).
type Hook func(Event)

// AddHook registers h for every later event of this service.
func (s *Service) AddHook(h Hook) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hooks = append(s.hooks, h)
}

func (s *Service) fire(kind EventKind, r *room, o *occupant) {
	if len(s.hooks) == 0 {
		return
	}
	ev := Event{Kind: kind, Room: r.jid}
	if o != nil {
		ev.Occupant = r.snapshot(o)
	}
	for _, h := range s.hooks {
		h(ev)
	}
}

func (r *room) snapshot(o *occupant) Occupant {
	out := Occupant{Nick: o.nick, Real: o.real, Role: o.role, Affiliation: r.affiliation(o.real)}
	if n := o.pres.Child(ns.Nick, "nick"); n != nil {
		out.DisplayName = n.Text
	}
	return out
}

// RoomInfo returns extra muc#roominfo fields (var, value) of a room's
// disco#info, e.g. a breakout room's main room. Same rules as Hook.
type RoomInfo func(room jid.JID) [][2]string

// AddRoomInfo registers f for every later room disco#info of this service.
func (s *Service) AddRoomInfo(f RoomInfo) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.roomInfo = append(s.roomInfo, f)
}

// withRoomInfo adds the registered fields to a room's disco#info answer.
func (s *Service) withRoomInfo(r *room, res *dom.Element) *dom.Element {
	x := res.Child(ns.DiscoInfo, "query").Child(ns.XData, "x")
	for _, f := range s.roomInfo {
		for _, kv := range f(r.jid) {
			x.AddNew(ns.XData, "field").SetAttr("var", kv[0]).AddNew(ns.XData, "value").SetText(kv[1])
		}
	}
	return res
}

// RoomOccupants returns the occupants of room (a localpart) in join order,
// or nil when there is no such room.
func (s *Service) RoomOccupants(room string) []Occupant {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return nil
	}
	out := make([]Occupant, 0, len(r.order))
	for _, o := range r.order {
		out = append(out, r.snapshot(o))
	}
	return out
}

// OccupantOf returns the room (bare JID) the real full JID occupies and
// its occupant there; ok is false when it is in no room of this service.
func (s *Service) OccupantOf(real jid.JID) (room jid.JID, o Occupant, ok bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, r := range s.rooms {
		if x := r.byReal(real); x != nil {
			return r.jid, r.snapshot(x), true
		}
	}
	return jid.JID{}, Occupant{}, false
}

// Destroy ends room (a localpart) as an owner's destroy request would:
// every occupant gets an unavailable presence with <destroy/> and the reason.
// It reports whether the room existed.
func (s *Service) Destroy(room, reason string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	r := s.rooms[room]
	if r == nil {
		return false
	}
	d := dom.New(ns.MUCOwner, "destroy")
	if reason != "" {
		d.AddNew(ns.MUCOwner, "reason").SetText(reason)
	}
	s.destroy(r, d)
	return true
}

// kickedBy is who removed an occupant and why: the kick presence's item
// carries <actor nick/> and <reason/>, which clients show to the kicked user.
type kickedBy struct {
	actor  string
	reason []*dom.Element // muc#admin <reason/> elements of the request
}

// decorate adds the actor and reason to the <item/> of a muc#user <x/>;
// nil k leaves x unchanged.
func (k *kickedBy) decorate(x *dom.Element) *dom.Element {
	if k == nil {
		return x
	}
	item := x.Child(ns.MUCUser, "item")
	if k.actor != "" {
		item.AddNew(ns.MUCUser, "actor").SetAttr("nick", k.actor)
	}
	for _, r := range k.reason {
		item.AddNew(ns.MUCUser, "reason").SetText(r.Text)
	}
	return x
}
