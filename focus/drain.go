package focus

import (
	"context"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Graceful shutdown. While meetd drains, the focus behaves like Jicofo
// shutting down: a conference IQ for a room it does not run is answered
// service-unavailable (type cancel), while clients may still join running
// conferences. Jicofo adds a <graceful-shutdown/> element; the focus does
// not: current lib-jitsi-meet ignores it (any such error is a failed
// conference request, which Jitsi Meet retries), and the 2021 build the
// e2e test uses throws inside its XMPP handler on it. EndAll then ends
// what is left.

// endPoll is how often EndAll looks whether every room has finished.
const endPoll = 20 * time.Millisecond

// Drain makes the focus refuse conferences it does not run yet. It cannot
// be undone.
func (f *Focus) Drain() { f.draining.Store(true) }

// Conferences returns how many rooms the focus runs or is still leaving
// (0 once Run has returned).
func (f *Focus) Conferences() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for _, m := range []map[string]*room{f.rooms, f.leaving} {
		for _, r := range m {
			select {
			case <-r.done:
			default:
				n++
			}
		}
	}
	return n
}

// EndAll drains the focus and ends every conference: each participant's
// Jingle session is terminated (reason <gone/> with text reason), the room
// is destroyed with reason (lib-jitsi-meet reports CONFERENCE_DESTROYED with
// it, and the Jitsi Meet app shows it) and its bridge conference expired.
// It returns nil once no room is left, or ctx's error.
func (f *Focus) EndAll(ctx context.Context, reason string) error {
	f.Drain()
	f.forEachRoom(ctx, func(r *room) { r.end(ctx, reason) })
	t := time.NewTicker(endPoll)
	defer t.Stop()
	for f.Conferences() > 0 {
		select {
		case <-t.C:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	return nil
}

// refuseNew reports whether a conference IQ for roomJID must be refused:
// the focus drains and does not run the room.
func (f *Focus) refuseNew(roomJID string) bool {
	if !f.draining.Load() {
		return false
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.rooms[roomJID] == nil
}

// drainingText explains a refused conference request.
const drainingText = "the server is shutting down; no new conferences are started"

// gracefulShutdownError answers a conference request while draining.
func gracefulShutdownError(iq *dom.Element) *dom.Element {
	return stanza.ErrorReply(iq, stanza.ServiceUnavailable, drainingText)
}

// end terminates the participants' sessions and destroys the room; the
// focus's own unavailable presence from the MUC then finishes the room.
// A room the focus has not joined yet just gives up.
func (r *room) end(ctx context.Context, reason string) {
	r.ending = true
	for _, iq := range r.waiting {
		r.f.send(ctx, gracefulShutdownError(iq))
	}
	r.waiting = nil
	if r.state != stateJoined {
		r.participants, r.hadMembers = map[string]*participant{}, true
		return
	}
	for _, p := range r.ordered() {
		if p.state == sessionNone {
			continue
		}
		j := &jingle.Jingle{Action: jingle.ActionSessionTerminate, SID: p.sid, Reason: &jingle.Reason{
			Condition: jingle.ReasonCondition{XMLName: xmlName(ns.Jingle, "gone")}, Text: reason,
		}}
		if iq, err := jingleIQ(r.occupant(p.nick), j); err == nil {
			r.f.send(ctx, iq)
		}
		p.state = sessionNone
	}
	iq := stanza.IQ("set", r.jid)
	d := iq.AddNew(ns.MUCOwner, "query").AddNew(ns.MUCOwner, "destroy")
	d.AddNew(ns.MUCOwner, "reason").SetText(reason)
	r.f.send(ctx, iq)
	r.log.Info("ending the conference", "participants", len(r.participants))
}
