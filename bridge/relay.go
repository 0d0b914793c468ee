package bridge

import (
	"slices"
	"strings"
	"sync/atomic"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// relayState is what makes an endpoint a relay: the link of a conference
// to another bridge (docs/scale-out.md, "Relays"). A relay is an endpoint
// with a difference in each part: its transport is ICE-controlling or
// controlled and DTLS client or server as the focus says; its sender side
// sends the sources of every endpoint on the other bridge (each with its
// owner's id); its receiver side takes only local sources, only those the
// other bridge asked for (AddReceiver), without a bandwidth limit.
type relayState struct {
	meshID string
	// Guarded by transport.mu.
	remote      map[string]*colibri.Sources // the other bridge's endpoints
	controlling bool                        // ICE-controlling, DTLS client, dials the channel
	wsURL       string                      // the other bridge's channel (controlling side)

	speech atomic.Pointer[relaySpeech] // relay_speech.go
}

// relayPrefs: nothing until the other bridge asks for a source.
func relayPrefs() receiverPrefs {
	return receiverPrefs{lastN: -1, def: constraint{maxHeight: 0}, per: map[string]constraint{}}
}

// modifyRelay validates and applies the relay of a conference-modify
// (at most one per request, as JVB requires).
func (c *conference) modifyRelay(rs []colibri.Relay) (*colibri.ConferenceModified, *iqError) {
	if len(rs) != 1 || rs[0].ID == "" {
		return nil, &iqError{typ: "modify", cond: "bad-request", text: "one relay with an id per request"}
	}
	u := &rs[0]
	e := c.endpoint(u.ID)
	switch {
	case u.Expire:
		if e != nil && e.relay != nil {
			c.removeEndpoint(u.ID)
			c.log.Info("relay expired", "relay", u.ID)
		}
		return &colibri.ConferenceModified{Relays: []colibri.Relay{{ID: u.ID, Expire: true}}}, nil
	case u.Create && e != nil:
		return nil, &iqError{typ: "cancel", cond: "conflict", text: "relay exists"}
	case u.Create && u.Transport == nil:
		return nil, &iqError{typ: "modify", cond: "bad-request", text: "transport required on create"}
	case u.Create:
		return c.createRelay(u)
	case e == nil || e.relay == nil:
		return nil, &iqError{typ: "cancel", cond: "item-not-found", text: "no such relay"}
	}
	e.updateRelay(u)
	return &colibri.ConferenceModified{Relays: []colibri.Relay{{ID: u.ID}}}, nil
}

// createRelay makes the relay endpoint and answers with its transport.
func (c *conference) createRelay(u *colibri.Relay) (*colibri.ConferenceModified, *iqError) {
	own, err := c.b.listenRelaySocket()
	if err != nil {
		c.log.Warn("relay create failed", "relay", u.ID, "err", err)
		return nil, &iqError{typ: "wait", cond: "internal-server-error"}
	}
	e, err := newEndpointOn(c, u.ID, own)
	if err != nil {
		own.close()
		c.log.Warn("relay create failed", "relay", u.ID, "err", err)
		return nil, &iqError{typ: "wait", cond: "internal-server-error"}
	}
	e.relay = &relayState{meshID: u.MeshID, remote: map[string]*colibri.Sources{}}
	e.down.prefs, e.down.prefsSet = relayPrefs(), true
	if !c.addEndpoint(e) {
		e.close()
		return nil, &iqError{typ: "cancel", cond: "conflict", text: "relay exists"}
	}
	e.updateRelay(u)
	c.log.Info("relay created", "relay", u.ID, "mesh", u.MeshID)
	tr := e.describeTransport(false)
	tr.ICE.WebSockets = nil
	if ws := e.relayWebSocketURL(); ws != "" {
		tr.ICE.WebSockets = []jingle.WebSocket{{URL: ws}}
	}
	return &colibri.ConferenceModified{Relays: []colibri.Relay{{ID: u.ID, Transport: tr}}}, nil
}

// relayWebSocketURL is the relay channel URL the other bridge dials:
// /colibri-relay-ws/ in place of /colibri-ws/.
func (e *endpoint) relayWebSocketURL() string {
	return strings.Replace(e.webSocketURL(), "/colibri-ws/", "/colibri-relay-ws/", 1)
}

// updateRelay applies media, the other bridge's endpoints and its
// transport, then reallocates.
func (e *endpoint) updateRelay(u *colibri.Relay) {
	ok, gone := e.updateRelayLocked(u)
	if !ok {
		return
	}
	e.conf.allocMu.Lock()
	for _, id := range gone {
		e.conf.forgetSpeakerLocked(id)
	}
	e.conf.allocMu.Unlock()
	e.conf.reallocate()
}

// updateRelayLocked applies u under the endpoint's lock; it returns false
// when the relay is closing, and the remote endpoints that were expired.
func (e *endpoint) updateRelayLocked(u *colibri.Relay) (bool, []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return false, nil
	}
	e.media.add(u.Media)
	var gone []string
	if u.Endpoints != nil {
		gone = e.relay.apply(u.Endpoints.Endpoints)
	}
	tbl := relayIngress(&e.media, e.relay.remote, e.ingress.Load())
	e.relay.speech.Store(newRelaySpeech(tbl, e.relay.speech.Load()))
	e.ingress.Store(tbl)
	if t := u.Transport; t != nil {
		e.relay.controlling = t.ICEControlling == "true"
		if t.ICE != nil && len(t.ICE.WebSockets) > 0 {
			e.relay.wsURL = t.ICE.WebSockets[0].URL
		}
		e.updateTransportLocked(t)
	}
	return true, gone
}

// maxRelayEndpoints bounds the endpoints one relay carries.
const maxRelayEndpoints = 500

// apply adds, updates and removes the other bridge's endpoints, and
// returns the ids of those removed.
func (r *relayState) apply(eps []colibri.Endpoint) []string {
	var gone []string
	for i := range eps {
		u := &eps[i]
		switch {
		case u.ID == "":
		case u.Expire:
			if _, ok := r.remote[u.ID]; ok {
				gone = append(gone, u.ID)
			}
			delete(r.remote, u.ID)
		case u.Sources != nil && (r.remote[u.ID] != nil || len(r.remote) < maxRelayEndpoints):
			r.remote[u.ID] = u.Sources
		case r.remote[u.ID] == nil && len(r.remote) < maxRelayEndpoints:
			r.remote[u.ID] = &colibri.Sources{}
		}
	}
	return gone
}

// relayIngress is the ingress table of a relay: every remote endpoint's
// sources, owned by that endpoint, as the other bridge forwards them.
func relayIngress(m *mediaState, remote map[string]*colibri.Sources, old *ingressTable) *ingressTable {
	t := buildIngress(m, nil, "", old)
	ids := make([]string, 0, len(remote))
	for id := range remote {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	for _, id := range ids {
		for _, ms := range remote[id].MediaSources {
			addMediaSource(t, id, asForwarded(ms), old)
		}
	}
	return t
}

// asForwarded is a video source as the other bridge forwards it: one
// stream under the first SSRC of its simulcast group (with that SSRC's
// RTX), since a bridge projects simulcast onto one stream per receiver
// (docs/bridge.md, "Fan-out").
func asForwarded(ms colibri.MediaSource) colibri.MediaSource {
	if kindOf(ms.Type) != kindVideo {
		return ms
	}
	var primary uint32
	for _, g := range ms.Groups {
		if g.Semantics == "SIM" && len(g.Sources) > 0 {
			primary = g.Sources[0].SSRC
			break
		}
	}
	if primary == 0 {
		return ms
	}
	keep := map[uint32]bool{primary: true}
	out := colibri.MediaSource{Type: ms.Type, ID: ms.ID}
	for _, g := range ms.Groups {
		if g.Semantics == "FID" && len(g.Sources) == 2 && g.Sources[0].SSRC == primary {
			keep[g.Sources[1].SSRC] = true
			out.Groups = append(out.Groups, g)
		}
	}
	for _, s := range ms.Sources {
		if keep[s.SSRC] {
			out.Sources = append(out.Sources, s)
		}
	}
	return out
}

// relayView narrows what a relay's receiver side may get: local sources
// only (a source that came over a relay is never sent over another one:
// in a mesh, its own bridge sends it to every other bridge) and the audio
// of local senders only.
func relayView(eps []*endpoint, sources []*videoSource) ([]*videoSource, map[string]bool) {
	relayed := map[*videoSource]bool{}
	local := map[string]bool{}
	for _, e := range eps {
		if e.relay == nil {
			local[e.id] = true
			continue
		}
		for _, s := range e.ingress.Load().video {
			relayed[s] = true
		}
	}
	return slices.DeleteFunc(sources, func(s *videoSource) bool { return relayed[s] }), local
}

// senderOf is the endpoint that sends a source: its owner, or the relay
// that carries it from the other bridge.
func senderOf(eps []*endpoint, s *videoSource) *endpoint {
	if e := findEndpoint(eps, s.owner); e != nil {
		return e
	}
	for _, e := range eps {
		if e.relay != nil && slices.Contains(e.ingress.Load().video, s) {
			return e
		}
	}
	return nil
}

// relayOf is the relay that carries a remote endpoint, or nil.
func (c *conference) relayOf(id string) *endpoint {
	for _, e := range c.list() {
		if e.relay == nil {
			continue
		}
		e.mu.Lock()
		_, ok := e.relay.remote[id]
		e.mu.Unlock()
		if ok {
			return e
		}
	}
	return nil
}

// modifyRelayOnly applies a request that carries a relay: it may carry no
// endpoints (JVB's rule, docs/scale-out.md).
func (c *conference) modifyRelayOnly(req *colibri.ConferenceModify) (*colibri.ConferenceModified, *iqError) {
	if len(req.Endpoints) > 0 {
		return nil, &iqError{typ: "modify", cond: "bad-request", text: "endpoints and relays in one request"}
	}
	return c.modifyRelay(req.Relays)
}
