// Package avmoderation is the AV moderation ("ask to unmute") component, as
// Prosody's mod_av_moderation_component (docs/moderation.md): moderators turn
// moderation on per media type and approve participants; everyone is told
// the state, moderators (the focus among them) the approved lists.
package avmoderation

import (
	"log/slog"
	"slices"
	"strings"
	"sync"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/roomcomp"
)

// Identity is the disco identity type clients look for.
const Identity = "av_moderation"

// Component keeps each room's moderation state.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger

	mu    sync.Mutex
	state map[string]*roomState // by bare room JID
}

// roomState is one room's moderation: per media type whether it is on, who
// turned it on, and the approved occupant JIDs.
type roomState struct {
	actor    map[string]string // media -> actor occupant JID; present = enabled
	approved map[string][]string
}

// notice is the JSON of every notification (type "av_moderation").
type notice struct {
	Type       string              `json:"type"`
	Room       string              `json:"room"`
	MediaType  string              `json:"mediaType,omitempty"`
	Enabled    *bool               `json:"enabled,omitempty"`
	Actor      string              `json:"actor,omitempty"`
	Whitelists map[string][]string `json:"whitelists,omitempty"`
	Approved   bool                `json:"approved,omitempty"`
	Removed    bool                `json:"removed,omitempty"`
}

// New returns the component serving domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity),
		state: map[string]*roomState{}}
}

// Command is one parsed <av_moderation/> request.
type Command struct {
	Media     string
	Enable    *bool  // set: turn moderation on or off
	Whitelist string // occupant JID to approve
	Blacklist string // occupant JID whose approval is withdrawn
}

// ParseCommand reads the <av_moderation/> child of a message; ok is false
// when it is missing or malformed.
func ParseCommand(msg *dom.Element) (Command, bool) {
	el := msg.Child("", "av_moderation")
	if el == nil {
		return Command{}, false
	}
	c := Command{Media: el.Attr("mediaType"), Whitelist: el.Attr("jidToWhitelist"), Blacklist: el.Attr("jidToBlacklist")}
	switch el.Attr("enable") {
	case "true":
		t := true
		c.Enable = &t
	case "false":
		f := false
		c.Enable = &f
	case "":
	default:
		return c, false
	}
	n := 0
	for _, set := range []bool{c.Enable != nil, c.Whitelist != "", c.Blacklist != ""} {
		if set {
			n++
		}
	}
	validMedia := c.Media == "audio" || c.Media == "video" || c.Media == "desktop"
	return c, validMedia && n == 1
}

// Handle serves one stanza addressed to the component. Commands from
// anyone but a moderator of the room they occupy change nothing.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity) {
		return
	}
	cmd, ok := ParseCommand(st)
	if !ok {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok || !s.Occupant.Moderator() {
		c.log.Info("av moderation command refused: sender is no moderator of a room")
		return
	}
	occ := c.rooms.Occupants(s.Room)
	switch {
	case cmd.Enable != nil:
		c.setEnabled(s, occ, cmd.Media, *cmd.Enable)
	case cmd.Whitelist != "":
		c.approve(s, occ, cmd.Media, cmd.Whitelist, true)
	default:
		c.approve(s, occ, cmd.Media, cmd.Blacklist, false)
	}
}

func (c *Component) room(key string) *roomState {
	rs := c.state[key]
	if rs == nil {
		rs = &roomState{actor: map[string]string{}, approved: map[string][]string{}}
		c.state[key] = rs
	}
	return rs
}

// setEnabled turns moderation of media on or off and tells every occupant.
func (c *Component) setEnabled(s roomcomp.Sender, occ []muc.Occupant, media string, on bool) {
	key := s.Room.String()
	c.mu.Lock()
	rs := c.room(key)
	_, was := rs.actor[media]
	if was == on {
		c.mu.Unlock()
		return
	}
	if on {
		rs.actor[media] = s.OccupantJID()
	} else {
		delete(rs.actor, media)
	}
	rs.approved[media] = nil
	c.mu.Unlock()
	c.log.Info("av moderation changed", "room", key, "media", media, "enabled", on)
	n := notice{Type: Identity, Room: key, MediaType: media, Enabled: &on, Actor: s.OccupantJID()}
	roomcomp.ToOccupants(c.out, c.domain, occ, nil, n)
	c.sendWhitelists(key, occ, media, []string{}, false)
}

// approve adds (or, with add false, removes) an occupant JID to the
// approved list of media and tells the moderators and that occupant.
func (c *Component) approve(s roomcomp.Sender, occ []muc.Occupant, media, target string, add bool) {
	key := s.Room.String()
	var who *muc.Occupant
	for i := range occ {
		if strings.EqualFold(key+"/"+occ[i].Nick, target) {
			who = &occ[i]
		}
	}
	if who == nil {
		return
	}
	target = key + "/" + who.Nick
	c.mu.Lock()
	rs := c.room(key)
	list := slices.DeleteFunc(slices.Clone(rs.approved[media]), func(j string) bool { return j == target })
	if add {
		list = append(list, target)
	}
	rs.approved[media] = list
	c.mu.Unlock()
	c.sendWhitelists(key, occ, media, list, !add)
	n := notice{Type: Identity, Room: key, MediaType: media, Approved: add, Removed: !add}
	c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, who.Real.String(), n))
}

// sendWhitelists tells the moderators the approved list of media.
func (c *Component) sendWhitelists(room string, occ []muc.Occupant, media string, list []string, removed bool) {
	n := notice{Type: Identity, Room: room, MediaType: media, Removed: removed,
		Whitelists: map[string][]string{media: list}}
	roomcomp.ToOccupants(c.out, c.domain, occ, muc.Occupant.Moderator, n)
}

// Hook follows the conference rooms: joiners are told what is moderated;
// a destroyed room's state is dropped. It runs under the MUC's lock.
func (c *Component) Hook(ev muc.Event) {
	key := ev.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	rs := c.state[key]
	switch {
	case rs == nil:
	case ev.Kind == muc.Destroyed:
		delete(c.state, key)
	case ev.Kind == muc.Joined:
		for media, actor := range rs.actor {
			on := true
			n := notice{Type: Identity, Room: key, MediaType: media, Enabled: &on, Actor: actor}
			c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, ev.Occupant.Real.String(), n))
			if ev.Occupant.Moderator() {
				w := notice{Type: Identity, Room: key, MediaType: media, Whitelists: map[string][]string{media: rs.approved[media]}}
				c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, ev.Occupant.Real.String(), w))
			}
		}
	}
}
