// Package roommetadata is the room metadata component, as Prosody's
// mod_room_metadata_component (docs/room-components.md): a key-value store
// per room that moderators write and every occupant is sent.
package roommetadata

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"strings"
	"sync"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
	"meetd/xmpp/roomcomp"
)

// Identity is the disco identity type clients look for.
const Identity = "room_metadata"

// maxKeys bounds the keys of one room's metadata.
const maxKeys = 64

// blocked are keys only the server may set (Prosody's defaults).
var blocked = map[string]bool{
	"allownersEnabled": true, "asyncTranscription": true, "audioTranslationRequests": true,
	"conferencePresetsServiceEnabled": true, "dialinEnabled": true, "moderators": true,
	"participants": true, "participantsSoftLimit": true, "services": true, "transcriberType": true,
	"transcription": true, "visitorsEnabled": true,
}

// Update is a client's request: set Key to Data.
type Update struct {
	Key  string          `json:"key"`
	Data json.RawMessage `json:"data"`
}

// ParseUpdate validates the JSON of a <room_metadata/> request.
func ParseUpdate(text string) (Update, bool) {
	var u Update
	if len(text) > roomcomp.MaxJSON || json.Unmarshal([]byte(text), &u) != nil {
		return u, false
	}
	if u.Key == "" || len(u.Data) == 0 || string(u.Data) == "null" || blocked[u.Key] {
		return u, false
	}
	return u, json.Valid(u.Data)
}

// Component keeps each room's metadata.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger

	mu    sync.Mutex
	state map[string]map[string]json.RawMessage // by bare room JID
}

// New returns the component serving domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity),
		state: map[string]map[string]json.RawMessage{}}
}

// Handle serves one stanza: a moderator's <room_metadata room='…'>JSON</room_metadata>
// for the room it occupies. Changed values are sent to every occupant.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity) {
		return
	}
	el := st.Child(ns.JitMeet, Identity)
	if el == nil || st.Attr("type") == "error" {
		return
	}
	u, ok := ParseUpdate(el.Text)
	if !ok {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok || !s.Occupant.Moderator() || !strings.EqualFold(el.Attr("room"), s.Room.String()) {
		c.log.Info("metadata update refused: sender is no moderator of that room")
		return
	}
	occ := c.rooms.Occupants(s.Room)
	key := s.Room.String()
	c.mu.Lock()
	md := c.state[key]
	if md == nil {
		md = map[string]json.RawMessage{}
		c.state[key] = md
	}
	if _, ok := md[u.Key]; bytes.Equal(md[u.Key], u.Data) || (!ok && len(md) >= maxKeys) {
		c.mu.Unlock()
		return
	}
	md[u.Key] = u.Data
	msgs := make([]*dom.Element, 0, len(occ))
	for _, o := range occ {
		msgs = append(msgs, c.message(key, o.Real.String(), md))
	}
	c.mu.Unlock()
	c.log.Info("room metadata changed", "room", key, "key", u.Key)
	for _, m := range msgs {
		c.out.DeliverLocal(m)
	}
}

// message is the metadata notification; it must be built under c.mu.
func (c *Component) message(room, to string, md map[string]json.RawMessage) *dom.Element {
	m := roomcomp.JSONMessage(c.domain, to, map[string]any{"type": Identity, "metadata": md})
	m.Child(ns.JitMeet, "json-message").SetAttr("room", room)
	return m
}

// Hook follows the rooms: a joiner is sent the room's metadata; a
// destroyed room's is dropped. It runs under the MUC's lock.
func (c *Component) Hook(ev muc.Event) {
	key := ev.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch ev.Kind {
	case muc.Destroyed:
		delete(c.state, key)
	case muc.Joined:
		md := c.state[key]
		if md == nil {
			md = map[string]json.RawMessage{}
		}
		c.out.DeliverLocal(c.message(key, ev.Occupant.Real.String(), md))
	}
}
