package focus

import (
	"context"
	"errors"

	"meetd/colibri"
	"meetd/xmpp/jingle"
	"meetd/xmpp/stanza"
)

// invite allocates an endpoint for p on the room's bridge and sends p a
// session-initiate. It does nothing when p already has a session.
func (r *room) invite(ctx context.Context, p *participant) {
	if p.state != sessionNone {
		return
	}
	if r.leaveFaultedBridge(ctx); p.state != sessionNone {
		return // moving the room invited p already
	}
	r.discoverFeatures(ctx, p) // codecs.go
	p.codecs = r.codecOfferFor(p)
	alloc, err := r.allocate(ctx, p)
	if errors.Is(err, ErrNoBridge) {
		p.needsBridge = true
		r.log.Warn("no bridge for participant yet", "endpoint", p.nick)
		return
	}
	if errors.Is(err, ErrTimeout) {
		p.needsBridge = true                    // invited again once the room moved (colibritimeout.go)
		r.f.colibriTimedOut(ctx, r.bridgeOf(p)) // the bridge asked (relay.go)
		return
	}
	if err != nil {
		r.log.Warn("bridge allocation failed", "endpoint", p.nick, "err", err)
		return
	}
	p.needsBridge = false
	p.sid, p.bridgeSession, p.state = stanza.NewID(), stanza.NewID(), sessionPending
	remote, perOwner := r.remoteSources(p)
	p.remote = perOwner
	o := &offer{sid: p.sid, initiator: r.f.conn.JID(), alloc: alloc, remote: remote, bridgeSession: p.bridgeSession, codecs: p.codecs}
	j := o.build()
	j.StartMuted = r.offerStartMuted(p)
	r.sendInitiate(ctx, p, j)
}

// retryInvites invites participants that waited for a bridge.
func (r *room) retryInvites(ctx context.Context) {
	if r.state != stateJoined {
		return
	}
	for _, p := range r.ordered() {
		if p.needsBridge {
			r.invite(ctx, p)
		}
	}
}

// bridgeGone moves the room off a bridge that left the brewery (killed,
// cut off, shut down): its endpoints are gone with it, so every
// participant's session is ended (session-terminate) and offered again on
// another bridge, as Jicofo re-invites (docs/scale-out.md#failover).
func (r *room) bridgeGone(ctx context.Context, bridge string) {
	if !r.meshBridgeGone(ctx, bridge) { // relay.go
		return
	}
	r.log.Warn("bridge left the brewery: moving its participants", "bridge", resourceOf(bridge))
	var moved []*participant
	for _, p := range r.ordered() {
		if p.bridge != bridge && (p.bridge != "" || p.state == sessionNone) {
			continue // on another bridge of the conference: not touched
		}
		p.allocated, p.bridge = false, "" // nothing to expire on a bridge that is gone
		if p.state != sessionNone {
			r.terminate(ctx, p, "success", "moving to another bridge")
			moved = append(moved, p)
		}
	}
	for _, p := range moved {
		r.invite(ctx, p)
	}
	r.retryInvites(ctx)
}

// allocate creates p's endpoint (and the conference on first use).
func (r *room) allocate(ctx context.Context, p *participant) (*allocation, error) {
	if b := r.placeOn(p); b != "" && b != r.conf.bridge {
		return r.allocateExtra(ctx, p, b) // relay.go
	}
	if r.conf.bridge == "" || !r.f.bridges.has(r.conf.bridge) {
		if r.conf.created {
			r.conf.created = false // the bridge left; its conference is gone
		}
		r.conf.bridge = r.f.bridges.selectBridge(p.region)
		if r.conf.bridge == "" {
			return nil, ErrNoBridge
		}
	}
	create := !r.conf.created
	jm := r.joinMuted(p)
	p.muted = forceMute{audio: p.muted.audio || jm.audio, video: p.muted.video || jm.video}
	res, err := r.f.colibri(ctx, r.conf.bridge, allocateRequest(r.conf.meetingID, r.jid, p.nick, p.statsID, create, p.muted, p.codecs))
	var ce *colibriError
	if errors.As(err, &ce) && ce.reason == colibri.ReasonConferenceNotFound && !create {
		r.conf.created = false // the bridge expired it: create it again
		res, err = r.f.colibri(ctx, r.conf.bridge, allocateRequest(r.conf.meetingID, r.jid, p.nick, p.statsID, true, p.muted, p.codecs))
	}
	if err != nil {
		return nil, err
	}
	r.conf.created = true
	p.allocated, p.bridge = true, r.conf.bridge
	alloc, err := parseAllocation(res, p.nick)
	if err != nil {
		return nil, err
	}
	if len(alloc.feedback) > 0 {
		r.conf.feedback = alloc.feedback
	}
	alloc.feedback = r.conf.feedback
	return alloc, nil
}

// sendInitiate sends the offer without blocking the room; if the client
// answers with an error its session is torn down.
func (r *room) sendInitiate(ctx context.Context, p *participant, j *jingle.Jingle) {
	iq, err := jingleIQ(r.occupant(p.nick), j)
	if err != nil {
		r.log.Error("encoding session-initiate failed", "endpoint", p.nick, "err", err)
		return
	}
	sid, nick := p.sid, p.nick
	wait, err := r.f.start(ctx, iq)
	if err != nil {
		r.log.Warn("sending session-initiate failed", "endpoint", nick, "err", err)
		return
	}
	r.log.Info("session-initiate sent", "endpoint", nick)
	r.f.wg.Add(1)
	go func() {
		defer r.f.wg.Done()
		if _, err := wait(); errors.Is(err, ErrIQError) {
			r.f.post(ctx, r.jid, false, func(r *room) { r.initiateRejected(ctx, nick, sid) })
		}
	}()
}

func (r *room) initiateRejected(ctx context.Context, nick, sid string) {
	p := r.participants[nick]
	if p == nil || p.sid != sid {
		return
	}
	r.log.Warn("client rejected session-initiate", "endpoint", nick)
	r.endSession(ctx, p)
}

// remoteSources returns what p must be told about the other participants:
// all their sources together and per owner.
func (r *room) remoteSources(p *participant) (sourceSet, map[string]sourceSet) {
	var all sourceSet
	per := make(map[string]sourceSet)
	for _, o := range r.ordered() {
		if o == p || o.sources.empty() {
			continue
		}
		s := o.sources.forReceivers(o.nick)
		per[o.nick] = s
		all = appendSet(all, s)
	}
	return all, per
}

// expireEndpoint removes p's endpoint from the bridge.
func (r *room) expireEndpoint(ctx context.Context, p *participant) {
	if !p.allocated {
		return
	}
	p.allocated = false
	if _, err := r.f.colibri(ctx, r.bridgeOf(p), expireEndpointRequest(r.conf.meetingID, p.nick)); err != nil {
		r.log.Debug("expire endpoint failed", "endpoint", p.nick, "err", err)
	}
}

// endSession forgets p's Jingle session and bridge endpoint.
func (r *room) endSession(ctx context.Context, p *participant) {
	r.expireEndpoint(ctx, p)
	p.state, p.sid, p.bridgeSession, p.bridge = sessionNone, "", "", ""
	p.sources, p.remote = sourceSet{}, nil
}
