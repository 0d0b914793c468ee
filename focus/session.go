package focus

import (
	"context"
	"fmt"
	"strings"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// parseJingle decodes the <jingle> payload of an IQ.
func parseJingle(el *dom.Element) (*jingle.Jingle, error) {
	if !el.Is(ns.Jingle, "jingle") {
		return nil, ErrBadJingle
	}
	var j jingle.Jingle
	if err := dom.Unmarshal(el, &j); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadJingle, err)
	}
	if j.SID == "" || j.Action == "" {
		return nil, fmt.Errorf("%w: no sid or action", ErrBadJingle)
	}
	return &j, nil
}

// handleIQ serves an IQ a room occupant sent to the focus.
func (r *room) handleIQ(ctx context.Context, iq *dom.Element) {
	p := r.participants[resourceOf(iq.Attr("from"))]
	payload := iq.FirstChild()
	if muteMedia(payload) != "" && iq.Attr("type") == "set" {
		if p == nil {
			r.f.reject(ctx, iq, "cancel", "not-acceptable")
			return
		}
		r.handleMute(ctx, iq, payload, p)
		return
	}
	if payload.Is(ns.Jibri, "jibri") {
		r.handleJibri(ctx, iq, payload, p) // jibri.go
		return
	}
	if !payload.Is(ns.Jingle, "jingle") {
		r.f.reject(ctx, iq, "cancel", "feature-not-implemented")
		return
	}
	if p == nil {
		r.f.reject(ctx, iq, "cancel", "item-not-found", dom.New(ns.JingleErrors, "unknown-session"))
		return
	}
	j, err := parseJingle(payload)
	if err != nil {
		r.f.reject(ctx, iq, "modify", "bad-request")
		return
	}
	if j.SID != p.sid || p.state == sessionNone {
		r.f.reject(ctx, iq, "cancel", "item-not-found", dom.New(ns.JingleErrors, "unknown-session"))
		return
	}
	r.handleJingle(ctx, iq, p, j)
}

// handleJingle acknowledges and applies one Jingle action of p's session.
func (r *room) handleJingle(ctx context.Context, iq *dom.Element, p *participant, j *jingle.Jingle) {
	switch j.Action {
	case jingle.ActionSessionAccept:
		if err := checkAcceptTransport(j); err != nil {
			r.refuseTransport(ctx, iq, p, err)
			return
		}
		r.f.send(ctx, stanza.Result(iq))
		r.onAccept(ctx, p, j)
	case jingle.ActionSourceAdd, jingle.ActionAddSource:
		r.f.send(ctx, stanza.Result(iq))
		r.onSourceAdd(ctx, p, j)
	case jingle.ActionSourceRemove, jingle.ActionRemoveSource:
		r.f.send(ctx, stanza.Result(iq))
		r.onSourceRemove(ctx, p, j)
	case jingle.ActionTransportInfo:
		if err := checkTransportInfo(j); err != nil {
			r.refuseTransport(ctx, iq, p, err)
			return
		}
		r.f.send(ctx, stanza.Result(iq))
		r.onTransportInfo(ctx, p, j)
	case jingle.ActionSessionTerminate:
		if j.BridgeSession != nil && j.BridgeSession.ID != "" && j.BridgeSession.ID != p.bridgeSession {
			r.f.reject(ctx, iq, "cancel", "item-not-found")
			return
		}
		if j.BridgeSession != nil && j.BridgeSession.Restart && !p.restarts.allow(time.Now()) {
			r.log.Info("session restart refused: too many", "endpoint", p.nick)
			r.f.reject(ctx, iq, "wait", "resource-constraint")
			return
		}
		r.f.send(ctx, stanza.Result(iq))
		r.onTerminate(ctx, p, j)
	case jingle.ActionSessionInfo:
		r.onSessionInfo(ctx, iq, p, j)
	default: // transport-replace (the old in-place ICE restart) and others: not supported
		r.f.reject(ctx, iq, "cancel", "feature-not-implemented")
	}
}

// onSessionInfo answers a session-info. The one the focus acts on is the
// ICE-failed notification (docs/networks.md "When a client's network
// changes"): as Jicofo does, when it names the participant's current
// bridge session, the focus ends that session and offers a new one.
// Other ice-state values, and a notification for an older bridge
// session, are acknowledged and ignored; an empty session-info is a ping.
func (r *room) onSessionInfo(ctx context.Context, iq *dom.Element, p *participant, j *jingle.Jingle) {
	if j.ICEState == "" && len(iq.FirstChild().Children) > 0 {
		r.f.reject(ctx, iq, "cancel", "feature-not-implemented", dom.New(ns.JingleErrors, "unsupported-info"))
		return
	}
	r.f.send(ctx, stanza.Result(iq))
	if !strings.EqualFold(strings.TrimSpace(j.ICEState), "failed") {
		return
	}
	if j.BridgeSession == nil || j.BridgeSession.ID != p.bridgeSession {
		r.log.Info("ice failed notice for an old bridge session ignored", "endpoint", p.nick)
		return
	}
	if !p.restarts.allow(time.Now()) {
		r.log.Info("session restart refused: too many", "endpoint", p.nick)
		return
	}
	r.log.Info("client ice failed, new session", "endpoint", p.nick)
	r.terminate(ctx, p, "success", "ICE failed, restarting")
	r.invite(ctx, p)
}

// takenBy returns a check for SSRCs used by participants other than p.
func (r *room) takenBy(p *participant) func(uint32) bool {
	used := make(map[uint32]bool)
	for _, o := range r.participants {
		if o != p {
			for s := range o.sources.ssrcs() {
				used[s] = true
			}
		}
	}
	return func(s uint32) bool { return used[s] }
}

// onAccept gives the bridge the client's transport and sources, then tells
// everyone what changed.
func (r *room) onAccept(ctx context.Context, p *participant, j *jingle.Jingle) {
	if p.state != sessionPending {
		return
	}
	p.sources = parseSources(p.nick, j.Contents, r.takenBy(p))
	var lastN *colibri.InitialLastN
	if v := j.Content(kindVideo); v != nil && v.InitialLastN != nil {
		lastN = &colibri.InitialLastN{Value: v.InitialLastN.Value}
	}
	tr := firstTransport(j)
	if !r.updateBridge(ctx, p, updateRequest(r.conf.meetingID, p.nick, clientTransport(tr), p.sources.colibriSources(), lastN)) {
		return
	}
	p.state = sessionActive
	r.log.Info("session accepted", "endpoint", p.nick)
	r.syncAll(ctx)
}

func firstTransport(j *jingle.Jingle) *jingle.ICEUDP {
	for _, c := range j.Contents {
		if c.Transport != nil && c.Transport.Ufrag != "" {
			return c.Transport
		}
	}
	return nil
}

func (r *room) onSourceAdd(ctx context.Context, p *participant, j *jingle.Jingle) {
	p.sources = p.sources.merge(parseSources(p.nick, j.Contents, r.takenBy(p)))
	r.pushSources(ctx, p)
}

func (r *room) onSourceRemove(ctx context.Context, p *participant, j *jingle.Jingle) {
	drop := make(map[uint32]bool)
	for _, c := range j.Contents {
		if c.Description != nil {
			for _, s := range c.Description.Sources {
				drop[s.SSRC] = true
			}
		}
	}
	p.sources = p.sources.without(drop)
	r.pushSources(ctx, p)
}

// pushSources gives the bridge p's current sources and relays them.
func (r *room) pushSources(ctx context.Context, p *participant) {
	if p.state != sessionActive {
		return // the bridge learns them with the session-accept
	}
	if r.updateBridge(ctx, p, updateRequest(r.conf.meetingID, p.nick, nil, p.sources.colibriSources(), nil)) {
		r.syncAll(ctx)
	}
}

func (r *room) onTransportInfo(ctx context.Context, p *participant, j *jingle.Jingle) {
	if tr := firstTransport(j); tr != nil || hasCandidates(j) {
		if tr == nil {
			tr = j.Contents[0].Transport
		}
		r.updateBridge(ctx, p, updateRequest(r.conf.meetingID, p.nick, clientTransport(tr), nil, nil))
	}
}

func hasCandidates(j *jingle.Jingle) bool {
	return len(j.Contents) > 0 && j.Contents[0].Transport != nil && len(j.Contents[0].Transport.Candidates) > 0
}

// onTerminate ends p's session; with restart it offers a new one.
func (r *room) onTerminate(ctx context.Context, p *participant, j *jingle.Jingle) {
	r.log.Info("session terminated by client", "endpoint", p.nick)
	r.endSession(ctx, p)
	r.syncAll(ctx)
	if j.BridgeSession != nil && j.BridgeSession.Restart {
		r.invite(ctx, p)
	}
}

// updateBridge sends a Colibri2 update for p; on failure p's session is
// terminated and false returned.
func (r *room) updateBridge(ctx context.Context, p *participant, cm *colibri.ConferenceModify) bool {
	if _, err := r.f.colibri(ctx, r.bridgeOf(p), cm); err != nil {
		r.log.Warn("bridge update failed, ending session", "endpoint", p.nick, "err", err)
		r.terminate(ctx, p, "general-error", "bridge failure")
		return false
	}
	return true
}

// terminate sends p a session-terminate and forgets its session.
func (r *room) terminate(ctx context.Context, p *participant, condition, text string) {
	j := &jingle.Jingle{Action: jingle.ActionSessionTerminate, SID: p.sid, Reason: &jingle.Reason{
		Condition: jingle.ReasonCondition{XMLName: xmlName(ns.Jingle, condition)}, Text: text,
	}}
	if iq, err := jingleIQ(r.occupant(p.nick), j); err == nil {
		r.f.send(ctx, iq)
	}
	r.endSession(ctx, p)
	r.syncAll(ctx)
}
