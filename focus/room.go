package focus

import (
	"context"
	"log/slog"
	"sort"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// focusNick is the focus's nickname in every conference room (docs/protocols.md#focus-nick).
const focusNick = "focus"

// emptyRoomTimeout is how long the focus stays in a room nobody joins.
const emptyRoomTimeout = 2 * time.Minute

type joinState int

const (
	stateIdle joinState = iota
	stateJoining
	stateJoined
)

// bridgeConf is the room's conference on its bridge.
type bridgeConf struct {
	bridge    string // brewery occupant JID of the bridge
	meetingID string
	created   bool
	feedback  []colibri.MediaSource
}

// room is one conference MUC the focus serves. Everything but events and
// done is owned by the room's goroutine.
type room struct {
	f      *Focus
	jid    string // lower-case bare room JID
	log    *slog.Logger
	events chan func()
	done   chan struct{}
	prev   *room // the previous room of this JID, still leaving

	state        joinState
	waiting      []*dom.Element // conference IQs answered once joined
	participants map[string]*participant
	seq          int
	hadMembers   bool
	conf         bridgeConf
	mesh         mesh        // the conference's other bridges and relays (relay.go)
	idleTimer    *time.Timer // ends a room nobody joins after the focus did
	ending       bool        // EndAll destroys the room (drain.go)
	rec          *recState   // the running recording (jibri.go)
	av           avModeration
	startMuted   startMuted
}

func newRoom(f *Focus, jid string, prev *room) *room {
	return &room{
		f: f, jid: jid, prev: prev,
		log:          f.log.With("room", jid),
		events:       make(chan func(), roomQueue),
		done:         make(chan struct{}),
		participants: make(map[string]*participant),
		conf:         bridgeConf{meetingID: stanza.NewUUID()},
	}
}

// run processes the room's events until the room empties or ctx ends.
func (r *room) run(ctx context.Context) {
	defer r.f.wg.Done()
	defer close(r.done)
	defer r.f.gone(r)
	defer r.stopIdleTimer()
	if r.prev != nil {
		select {
		case <-r.prev.done:
		case <-ctx.Done():
			return
		}
	}
	for {
		select {
		case ev := <-r.events:
			ev()
		case <-ctx.Done():
			return
		}
		if r.finished() && r.f.retire(r) {
			r.shutdown(ctx)
			return
		}
	}
}

// finished reports whether the room has nothing left to do: everyone left,
// or joining failed and nobody waits.
func (r *room) finished() bool {
	if len(r.participants) > 0 || len(r.waiting) > 0 {
		return false
	}
	return r.hadMembers || r.state == stateIdle
}

// shutdown expires the bridge conference and leaves the MUC.
func (r *room) shutdown(ctx context.Context) {
	r.endRecording(ctx)
	r.expireConference(ctx)
	if r.state != stateIdle {
		p := dom.New(ns.Client, "presence").SetAttr("to", r.occupant(focusNick)).SetAttr("type", "unavailable")
		r.f.send(ctx, p)
	}
	r.log.Info("conference ended")
}

func (r *room) expireConference(ctx context.Context) {
	if !r.conf.created {
		return
	}
	r.conf.created = false
	r.expireExtras(ctx)
	if _, err := r.f.colibri(ctx, r.conf.bridge, expireConferenceRequest(r.conf.meetingID)); err != nil {
		r.log.Debug("expire conference failed", "err", err)
	}
}

// occupant returns the occupant JID of nick in this room.
func (r *room) occupant(nick string) string { return r.jid + "/" + nick }

// handleConferenceIQ answers at once when the focus is in the room, else
// joins (creating the room) and answers when the join completes.
func (r *room) handleConferenceIQ(ctx context.Context, iq *dom.Element) {
	r.readStartMuted(iq)
	if r.state == stateJoined {
		r.f.send(ctx, r.f.conferenceReady(iq, r.jid))
		return
	}
	r.waiting = append(r.waiting, iq)
	if r.state == stateIdle {
		r.join(ctx)
	}
}

func (r *room) join(ctx context.Context) {
	p := dom.New(ns.Client, "presence").SetAttr("to", r.occupant(focusNick))
	p.AddNew(ns.MUC, "x")
	props := p.AddNew(ns.Focus, "conference-properties")
	props.AddNew(ns.Focus, "property").SetAttr("key", "support-terminate-restart").SetAttr("value", "true")
	props.AddNew(ns.Focus, "property").SetAttr("key", "bridge-count").SetAttr("value", "1")
	r.state = stateJoining
	r.f.send(ctx, p)
}

// handlePresence applies one presence from the room.
func (r *room) handlePresence(ctx context.Context, p *dom.Element) {
	nick := resourceOf(p.Attr("from"))
	switch {
	case nick == focusNick:
		r.onSelfPresence(ctx, p)
	case nick == "":
	case p.Attr("type") == "unavailable":
		r.leave(ctx, nick)
	case p.Attr("type") == "":
		r.onOccupant(ctx, nick, p)
	}
}

func (r *room) onSelfPresence(ctx context.Context, p *dom.Element) {
	switch p.Attr("type") {
	case "error":
		r.log.Warn("joining the room failed", "condition", stanza.ErrorCondition(p))
		for _, iq := range r.waiting {
			r.f.send(ctx, stanza.ErrorReply(iq, stanza.ServiceUnavailable.WithType("wait"), ""))
		}
		r.waiting, r.state = nil, stateIdle
	case "unavailable":
		if r.state == stateJoined {
			if r.ending {
				r.log.Info("room destroyed")
			} else {
				r.log.Warn("focus removed from the room")
			}
			r.expireConference(ctx)
			r.participants, r.state, r.hadMembers = map[string]*participant{}, stateIdle, true
		}
	case "":
		if r.state == stateJoining {
			r.onJoined(ctx, hasStatus(p, "201"))
		}
	}
}

func (r *room) onJoined(ctx context.Context, created bool) {
	r.state = stateJoined
	if created {
		r.configure(ctx)
	}
	if !r.conf.created {
		r.adoptMeetingID(ctx)
	}
	r.log.Info("focus joined the room", "created", created)
	for _, iq := range r.waiting {
		r.f.send(ctx, r.f.conferenceReady(iq, r.jid))
	}
	r.waiting = nil
	r.ensureOwner(ctx)
	for _, p := range r.ordered() {
		r.invite(ctx, p)
	}
	if len(r.participants) == 0 {
		r.idleTimer = time.AfterFunc(r.f.emptyRoomTimeout, func() {
			r.f.post(ctx, r.jid, false, func(r *room) { r.giveUpIfEmpty() })
		})
	}
}

// giveUpIfEmpty ends a room that nobody joined since the focus did.
func (r *room) giveUpIfEmpty() {
	if len(r.participants) == 0 && !r.hadMembers {
		r.log.Info("nobody joined, leaving the room")
		r.hadMembers = true // finished() now holds
	}
}

func (r *room) stopIdleTimer() {
	if r.idleTimer != nil {
		r.idleTimer.Stop()
	}
}

// configure submits the owner form of a room the focus created: occupants'
// real JIDs visible to all (docs/protocols.md#real-jids).
func (r *room) configure(ctx context.Context) {
	iq := stanza.IQ("set", r.jid)
	x := iq.AddNew(ns.MUCOwner, "query").AddNew(ns.XData, "x").SetAttr("type", "submit")
	for _, kv := range [][2]string{
		{"FORM_TYPE", ns.MUCRoomConfig},
		{"muc#roomconfig_whois", "anyone"},
	} {
		x.AddNew(ns.XData, "field").SetAttr("var", kv[0]).AddNew(ns.XData, "value").SetText(kv[1])
	}
	if _, err := r.f.request(ctx, iq); err != nil {
		r.log.Debug("room configuration refused", "err", err)
	}
}

// adoptMeetingID uses the room's meeting ID (muc#roominfo_meetingId in the
// owner form, as Jicofo reads it) for the bridge conference, so that
// clients and the bridge name the meeting alike. Without one the focus
// keeps its own random UUID.
func (r *room) adoptMeetingID(ctx context.Context) {
	iq := stanza.IQ("get", r.jid)
	iq.AddNew(ns.MUCOwner, "query")
	res, err := r.f.request(ctx, iq)
	if err != nil {
		return
	}
	for _, fl := range res.Child(ns.MUCOwner, "query").Child(ns.XData, "x").ChildrenNamed(ns.XData, "field") {
		// Fields without a value (Prosody's form has several) are skipped.
		if v := fl.Child(ns.XData, "value"); fl.Attr("var") == "muc#roominfo_meetingId" && v != nil && validMeetingID(v.Text) {
			r.conf.meetingID = v.Text
		}
	}
}

// validMeetingID accepts IDs safe in a colibri-ws URL path.
func validMeetingID(id string) bool {
	if id == "" || len(id) > 64 {
		return false
	}
	for _, c := range id {
		if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
			return false
		}
	}
	return true
}

func hasStatus(p *dom.Element, code string) bool {
	for _, s := range p.Child(ns.MUCUser, "x").ChildrenNamed(ns.MUCUser, "status") {
		if s.Attr("code") == code {
			return true
		}
	}
	return false
}

// ordered returns the participants in join order.
func (r *room) ordered() []*participant {
	ps := make([]*participant, 0, len(r.participants))
	for _, p := range r.participants {
		ps = append(ps, p)
	}
	sort.Slice(ps, func(i, j int) bool { return ps[i].seq < ps[j].seq })
	return ps
}
