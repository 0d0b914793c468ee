// Package polls is the polls component, as Prosody's mod_polls_component
// (docs/room-components.md): it relays new polls and answers to the room and
// keeps them, so that a joiner gets every earlier poll with its votes.
package polls

import (
	"encoding/json"
	"log/slog"
	"sync"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/roomcomp"
)

// Identity is the disco identity type clients look for.
const Identity = "polls"

// Limits as Prosody's: payload size and polls per room.
const (
	MaxPayload = 1024
	MaxPolls   = 128
)

// Commands of the polls JSON.
const (
	cmdNew    = "new-poll"
	cmdAnswer = "answer-poll"
	cmdOld    = "old-polls"
)

// Request is a client's polls JSON. Answers is a list of {name} objects in
// a new poll and a list of booleans in an answer.
type Request struct {
	Type     string            `json:"type"`
	Command  string            `json:"command"`
	PollID   string            `json:"pollId"`
	Question string            `json:"question,omitempty"`
	Answers  []json.RawMessage `json:"answers"`
}

// Poll is a stored poll as joiners get it.
type Poll struct {
	PollID     string   `json:"pollId"`
	SenderID   string   `json:"senderId"`
	SenderName string   `json:"senderName,omitempty"`
	Question   string   `json:"question"`
	Answers    []Answer `json:"answers"`
}

// Answer is one option of a poll and who chose it.
type Answer struct {
	Name   string  `json:"name"`
	Voters []Voter `json:"voters,omitempty"`
}

// Voter is one participant who chose an answer.
type Voter struct {
	ID   string `json:"id"`
	Name string `json:"name,omitempty"`
}

// parsed is a validated request: the options of a new poll or the votes.
type parsed struct {
	Request
	names []string
	votes []bool
}

// Parse validates a polls JSON payload (docs/room-components.md).
func Parse(text string) (parsed, bool) {
	var p parsed
	if len(text) >= MaxPayload || json.Unmarshal([]byte(text), &p.Request) != nil {
		return p, false
	}
	if p.Type != Identity || p.PollID == "" || len(p.Answers) == 0 {
		return p, false
	}
	switch p.Command {
	case cmdNew:
		for _, a := range p.Answers {
			var opt struct {
				Name *string `json:"name"`
			}
			if json.Unmarshal(a, &opt) != nil || opt.Name == nil {
				return p, false
			}
			p.names = append(p.names, *opt.Name)
		}
		return p, p.Question != ""
	case cmdAnswer:
		for _, a := range p.Answers {
			var v bool
			if json.Unmarshal(a, &v) != nil {
				return p, false
			}
			p.votes = append(p.votes, v)
		}
		return p, true
	}
	return p, false
}

// Component keeps each room's polls.
type Component struct {
	domain string
	rooms  roomcomp.Rooms
	out    muc.Router
	log    *slog.Logger

	mu    sync.Mutex
	state map[string][]*Poll // by bare room JID, in creation order
}

// New returns the component serving domain.
func New(domain string, rooms roomcomp.Rooms, out muc.Router, log *slog.Logger) *Component {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Component{domain: domain, rooms: rooms, out: out, log: log.With("component", Identity),
		state: map[string][]*Poll{}}
}

// Handle serves one stanza: a message with a polls json-message from an
// occupant of a conference room.
func (c *Component) Handle(st *dom.Element) {
	if roomcomp.ServeNonMessage(c.out, st, c.domain, Identity) {
		return
	}
	jm := st.Child("", "json-message")
	if st.Attr("type") == "groupchat" || jm == nil {
		return
	}
	req, ok := Parse(jm.Text)
	if !ok {
		return
	}
	s, ok := c.rooms.From(st)
	if !ok {
		return
	}
	occ := c.rooms.Occupants(s.Room)
	var relay map[string]any
	if req.Command == cmdNew {
		relay = c.create(s, req)
	} else {
		relay = c.answer(s, req)
	}
	if relay != nil {
		roomcomp.ToOccupants(c.out, c.domain, occ, nil, relay)
	}
}

// create stores a new poll and returns what the room is sent, or nil.
func (c *Component) create(s roomcomp.Sender, req parsed) map[string]any {
	key := s.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	list := c.state[key]
	if len(list) >= MaxPolls {
		return nil
	}
	for _, p := range list {
		if p.PollID == req.PollID {
			return nil
		}
	}
	p := &Poll{PollID: req.PollID, SenderID: s.Occupant.Nick, SenderName: s.Occupant.DisplayName, Question: req.Question}
	answers := make([]map[string]string, 0, len(req.names))
	for _, n := range req.names {
		p.Answers = append(p.Answers, Answer{Name: n})
		answers = append(answers, map[string]string{"name": n})
	}
	c.state[key] = append(list, p)
	return map[string]any{"type": Identity, "command": cmdNew, "pollId": p.PollID, "senderId": p.SenderID,
		"question": p.Question, "answers": answers}
}

// answer records the sender's votes and returns what the room is sent, or nil.
func (c *Component) answer(s roomcomp.Sender, req parsed) map[string]any {
	c.mu.Lock()
	defer c.mu.Unlock()
	var p *Poll
	for _, x := range c.state[s.Room.String()] {
		if x.PollID == req.PollID {
			p = x
		}
	}
	if p == nil {
		return nil
	}
	me := Voter{ID: s.Occupant.Nick, Name: s.Occupant.DisplayName}
	for i := range p.Answers {
		a := &p.Answers[i]
		kept := a.Voters[:0]
		for _, v := range a.Voters {
			if v.ID != me.ID {
				kept = append(kept, v)
			}
		}
		a.Voters = kept
		if i < len(req.votes) && req.votes[i] {
			a.Voters = append(a.Voters, me)
		}
	}
	return map[string]any{"type": Identity, "command": cmdAnswer, "pollId": p.PollID, "senderId": me.ID,
		"senderName": me.Name, "answers": req.votes}
}

// Hook follows the rooms: a joiner gets the room's polls ("old-polls"); a
// destroyed room's polls are dropped. It runs under the MUC's lock.
func (c *Component) Hook(ev muc.Event) {
	key := ev.Room.String()
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case ev.Kind == muc.Destroyed:
		delete(c.state, key)
	case ev.Kind == muc.Joined && len(c.state[key]) > 0 && !roomcomp.IsFocus(ev.Occupant):
		old := map[string]any{"type": Identity, "command": cmdOld, "polls": c.state[key]}
		c.out.DeliverLocal(roomcomp.JSONMessage(c.domain, ev.Occupant.Real.String(), old))
	}
}
