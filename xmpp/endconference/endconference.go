// Package endconference is the "end meeting for all" component
// (docs/moderation.md): a moderator's <end_conference/> message destroys
// the room it occupies.
package endconference

import (
	"log/slog"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/roomcomp"
)

// Identity is the disco identity type clients look for.
const Identity = "end_conference"

// Reason is the destroy reason the occupants are shown.
const Reason = "The meeting has been terminated"

// Component ends meetings.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger

	// Breakouts, when set, returns the breakout rooms of a main room, which
	// end with it.
	Breakouts func(main string) []string
}

// New returns the component serving domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity)}
}

// Handle serves one stanza addressed to the component.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity) {
		return
	}
	if st.Child("", "end_conference") == nil {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok || !s.Occupant.Moderator() {
		c.log.Info("end conference refused: sender is no moderator of a room")
		return
	}
	if !s.Service.Destroy(s.Room.Localpart(), Reason) {
		return
	}
	c.log.Info("meeting ended for all", "room", s.Room.String(), "actor", s.Occupant.Nick)
	if c.Breakouts == nil {
		return
	}
	for _, b := range c.Breakouts(s.Room.String()) {
		if j, err := jid.Parse(b); err == nil {
			if m := c.rooms.Service(j); m != nil {
				m.Destroy(j.Localpart(), Reason)
			}
		}
	}
}
