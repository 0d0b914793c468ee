// Package speakerstats is the speaker statistics component, as Prosody's
// mod_speakerstats_component (docs/room-components.md): clients report when
// they become the dominant speaker; the component adds up each occupant's
// speaking time and sends a joiner everyone's totals.
package speakerstats

import (
	"log/slog"
	"strings"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/roomcomp"
)

// Identity is the disco identity type clients look for.
const Identity = "speakerstats"

// maxUsers bounds the participants one room keeps totals for (those who
// left included); later newcomers are not counted.
const maxUsers = 1000

// Component keeps the rooms' speaking times.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger
	now    func() time.Time

	mu    sync.Mutex
	state map[string]*roomStats // by bare room JID
}

type roomStats struct {
	users    map[string]*speaker // by nick (the client's participant id)
	dominant string
}

type speaker struct {
	name  string
	total time.Duration
	since time.Time // when it became dominant; zero when it is not
}

// User is one participant's entry in the JSON the clients read.
type User struct {
	DisplayName              string `json:"displayName,omitempty"`
	TotalDominantSpeakerTime int64  `json:"totalDominantSpeakerTime"`
}

type notice struct {
	Type  string          `json:"type"`
	Users map[string]User `json:"users"`
}

// New returns the component serving domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity),
		now: time.Now, state: map[string]*roomStats{}}
}

// Handle serves one stanza: <speakerstats room='…'/> makes the sender the
// room's dominant speaker (silence='true': nobody). The sender must occupy
// the room it names.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity) {
		return
	}
	el := st.Child(ns.JitMeet, "speakerstats")
	if el == nil {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok || !strings.EqualFold(el.Attr("room"), s.Room.String()) {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	rs := c.state[s.Room.String()]
	if rs == nil {
		return
	}
	next := s.Occupant.Nick
	if el.Attr("silence") == "true" {
		next = ""
	}
	rs.setDominant(next, c.now())
}

// setDominant ends the current dominant speaker's turn and starts nick's.
func (rs *roomStats) setDominant(nick string, now time.Time) {
	if sp := rs.users[rs.dominant]; sp != nil && !sp.since.IsZero() {
		sp.total += now.Sub(sp.since)
		sp.since = time.Time{}
	}
	rs.dominant = ""
	if sp := rs.users[nick]; sp != nil {
		sp.since = now
		rs.dominant = nick
	}
}

// users returns everyone's totals but skip's, the current turn included.
func (rs *roomStats) usersBut(skip string, now time.Time) map[string]User {
	out := map[string]User{}
	for nick, sp := range rs.users {
		if nick == skip {
			continue
		}
		t := sp.total
		if !sp.since.IsZero() {
			t += now.Sub(sp.since)
		}
		out[nick] = User{DisplayName: sp.name, TotalDominantSpeakerTime: t.Milliseconds()}
	}
	return out
}

// Hook follows the rooms: joiners are sent the others' totals. It runs
// under the MUC's lock.
func (c *Component) Hook(ev muc.Event) {
	if roomcomp.IsFocus(ev.Occupant) {
		return
	}
	key := ev.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	rs := c.state[key]
	switch ev.Kind {
	case muc.Destroyed:
		delete(c.state, key)
	case muc.Joined:
		if rs == nil {
			rs = &roomStats{users: map[string]*speaker{}}
			c.state[key] = rs
		}
		if users := rs.usersBut(ev.Occupant.Nick, c.now()); len(users) > 0 {
			c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, ev.Occupant.Real.String(), notice{Type: Identity, Users: users}))
		}
		if rs.users[ev.Occupant.Nick] == nil && len(rs.users) < maxUsers {
			rs.users[ev.Occupant.Nick] = &speaker{}
		}
		if sp := rs.users[ev.Occupant.Nick]; sp != nil {
			sp.name = ev.Occupant.DisplayName
		}
	case muc.Updated:
		if sp := rs.lookup(ev.Occupant.Nick); sp != nil {
			sp.name = ev.Occupant.DisplayName
		}
	case muc.Left:
		if rs != nil && rs.dominant == ev.Occupant.Nick {
			rs.setDominant("", c.now())
		}
	}
}

func (rs *roomStats) lookup(nick string) *speaker {
	if rs == nil {
		return nil
	}
	return rs.users[nick]
}
