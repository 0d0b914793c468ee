// Package breakout is the breakout rooms component, as Prosody's
// mod_muc_breakout_rooms (docs/room-components.md): moderators of a main
// room create, rename and remove breakout rooms in the breakout MUC and move
// participants between them; everyone in the main room and its breakout
// rooms is kept told who is where.
package breakout

import (
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/roomcomp"
	"meetd/xmpp/stanza"
)

// Identity is the disco identity type clients look for.
const Identity = "breakout_rooms"

// Events and commands (the "type" attribute / "event" JSON field).
const (
	prefix    = "features/breakout-rooms/"
	cmdAdd    = prefix + "add"
	cmdRemove = prefix + "remove"
	cmdRename = prefix + "rename"
	cmdMove   = prefix + "move-to-room"
	evUpdate  = prefix + "update"
)

// maxRooms bounds the breakout rooms of one main room.
const maxRooms = 100

// Component keeps the breakout rooms of every main room. Its domain is the
// breakout MUC's.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger

	mu        sync.Mutex
	mains     map[string]*family                 // by main room JID
	parent    map[string]string                  // breakout room JID -> main room JID
	occupants map[string]map[string]muc.Occupant // room JID -> nick -> occupant
}

// family is a main room's breakout rooms.
type family struct {
	counter int
	names   map[string]string // breakout room JID -> name
}

// New returns the component for the breakout MUC at domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity),
		mains: map[string]*family{}, parent: map[string]string{}, occupants: map[string]map[string]muc.Occupant{}}
}

// Command is one parsed <breakout_rooms/> request.
type Command struct {
	Type, Subject, RoomJID, ParticipantJID, BreakoutRoomJID string
}

// ParseCommand reads the <breakout_rooms/> child of a message.
func ParseCommand(msg *dom.Element) (Command, bool) {
	el := msg.Child("", "breakout_rooms")
	if el == nil {
		return Command{}, false
	}
	c := Command{Type: el.Attr("type"), Subject: el.Attr("subject"), RoomJID: el.Attr("roomJid"),
		ParticipantJID: el.Attr("participantJid"), BreakoutRoomJID: el.Attr("breakoutRoomJid")}
	switch c.Type {
	case cmdAdd:
		return c, len(c.Subject) <= 256
	case cmdRemove:
		return c, c.BreakoutRoomJID != ""
	case cmdRename:
		return c, c.BreakoutRoomJID != "" && len(c.Subject) <= 256
	case cmdMove:
		return c, c.RoomJID != "" && c.ParticipantJID != ""
	}
	return c, false
}

// Handle serves one stanza: a command from a moderator of a main room or
// of one of its breakout rooms. Anything else changes nothing.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity, ns.Breakout+"#rename") {
		return
	}
	cmd, ok := ParseCommand(st)
	if !ok {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok || !s.Occupant.Moderator() {
		c.log.Info("breakout command refused: sender is no moderator of a room")
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	main := s.Room.String()
	if p, ok := c.parent[main]; ok {
		main = p
	} else if strings.EqualFold(s.Room.Domainpart(), c.domain) {
		return // an unregistered room in the breakout MUC
	}
	if err := c.apply(main, cmd); err != nil {
		c.log.Info("breakout command refused", "room", main, "command", cmd.Type, "err", err)
		return
	}
	c.broadcast(main)
}

func (c *Component) apply(main string, cmd Command) error {
	f := c.mains[main]
	if f == nil {
		f = &family{names: map[string]string{}}
		c.mains[main] = f
	}
	switch cmd.Type {
	case cmdAdd:
		if len(f.names) >= maxRooms {
			return fmt.Errorf("more than %d breakout rooms", maxRooms)
		}
		f.counter++
		j := stanza.NewUUID() + "@" + c.domain
		f.names[j], c.parent[j] = cmd.Subject, main
	case cmdRename:
		if _, ok := f.names[cmd.BreakoutRoomJID]; !ok {
			return fmt.Errorf("unknown breakout room")
		}
		f.names[cmd.BreakoutRoomJID] = cmd.Subject
	case cmdRemove:
		if _, ok := f.names[cmd.BreakoutRoomJID]; !ok {
			return fmt.Errorf("unknown breakout room")
		}
		for _, o := range c.occupants[cmd.BreakoutRoomJID] {
			c.sendMove(o.Real.String(), main)
		}
		delete(f.names, cmd.BreakoutRoomJID)
		delete(c.parent, cmd.BreakoutRoomJID)
	case cmdMove:
		return c.move(main, f, cmd)
	}
	return nil
}

// move tells a participant of the family (by real JID) to go to another
// room of the family.
func (c *Component) move(main string, f *family, cmd Command) error {
	_, known := f.names[cmd.RoomJID]
	if cmd.RoomJID != main && !known {
		return fmt.Errorf("target is not a room of this meeting")
	}
	for _, r := range append(c.breakouts(main), main) {
		for _, o := range c.occupants[r] {
			if o.Real.String() == cmd.ParticipantJID {
				c.sendMove(cmd.ParticipantJID, cmd.RoomJID)
				return nil
			}
		}
	}
	return fmt.Errorf("participant is in no room of this meeting")
}

func (c *Component) sendMove(to, room string) {
	c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, to, map[string]string{
		"type": Identity, "event": cmdMove, "roomJid": room}))
}

// Of returns the breakout room JIDs of a main room (bare JID), sorted.
func (c *Component) Of(main string) []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.breakouts(main)
}

// breakouts returns a main room's breakout room JIDs, sorted.
func (c *Component) breakouts(main string) []string {
	f := c.mains[main]
	if f == nil {
		return nil
	}
	out := make([]string, 0, len(f.names))
	for j := range f.names {
		out = append(out, j)
	}
	sort.Strings(out)
	return out
}

// Participant is one occupant in an update.
type Participant struct {
	JID         string `json:"jid"`
	Role        string `json:"role"`
	DisplayName string `json:"displayName,omitempty"`
}

// Room is one room in an update.
type Room struct {
	ID           string                 `json:"id"`
	JID          string                 `json:"jid"`
	Name         string                 `json:"name"`
	IsMainRoom   bool                   `json:"isMainRoom,omitempty"`
	Participants map[string]Participant `json:"participants"`
}

// broadcast sends the family's rooms and who is in them to everyone in
// them (the focus excepted). Called with c.mu held.
func (c *Component) broadcast(main string) {
	f := c.mains[main]
	if f == nil {
		return
	}
	rooms := map[string]Room{}
	all := append([]string{main}, c.breakouts(main)...)
	for _, r := range all {
		node := strings.SplitN(r, "@", 2)[0]
		room := Room{ID: node, JID: r, Name: f.names[r], IsMainRoom: r == main, Participants: map[string]Participant{}}
		if r == main {
			room.Name = node
		}
		for _, o := range c.occupants[r] {
			if !roomcomp.IsFocus(o) {
				room.Participants[r+"/"+o.Nick] = Participant{JID: o.Real.String(), Role: o.Role, DisplayName: o.DisplayName}
			}
		}
		rooms[node] = room
	}
	update := map[string]any{"type": Identity, "event": evUpdate, "roomCounter": f.counter, "rooms": rooms}
	for _, r := range all {
		for _, o := range c.occupants[r] {
			if !roomcomp.IsFocus(o) {
				c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, o.Real.String(), update))
			}
		}
	}
}

// Hook follows the conference and breakout MUCs: it keeps who is where and
// tells a family about every change. It runs under the MUC's lock.
func (c *Component) Hook(ev muc.Event) {
	key := ev.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	occ := c.occupants[key]
	switch ev.Kind {
	case muc.Joined, muc.Updated:
		if occ == nil {
			occ = map[string]muc.Occupant{}
			c.occupants[key] = occ
		}
		occ[ev.Occupant.Nick] = ev.Occupant
	case muc.Left:
		delete(occ, ev.Occupant.Nick)
	case muc.Destroyed:
		delete(c.occupants, key)
		if f := c.mains[key]; f != nil && len(f.names) == 0 {
			delete(c.mains, key)
		}
		return
	}
	main := key
	if p, ok := c.parent[key]; ok {
		main = p
	}
	if f := c.mains[main]; f != nil && len(f.names) > 0 {
		c.broadcast(main)
	}
}

// RoomInfo gives a breakout room's disco#info the fields clients read to
// know it is one and which room is its main room. It runs under the MUC's lock.
func (c *Component) RoomInfo(room jid.JID) [][2]string {
	c.mu.Lock()
	defer c.mu.Unlock()
	main, ok := c.parent[room.String()]
	if !ok {
		return nil
	}
	return [][2]string{{"muc#roominfo_isbreakout", "true"}, {"muc#roominfo_breakout_main_room", main}}
}
