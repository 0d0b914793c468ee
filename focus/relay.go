package focus

import (
	"context"
	"errors"
	"slices"
	"strings"

	"meetd/colibri"
	"meetd/xmpp/dom"
)

// A conference whose participants sit on more than one bridge lives on
// each of them under the same meeting id, and every pair of its bridges
// is linked by a relay (a full mesh): docs/scale-out.md, "Relays".

// mesh is a room's bridges beyond its first one (r.conf) and the relays
// between all of them. Owned by the room's goroutine.
type mesh struct {
	extra  map[string]*bridgeConf // by brewery JID
	order  []string               // extra bridges in the order they joined
	relays map[relayKey]*relayLink
}

// relayKey names the relay on bridge holder towards bridge other.
type relayKey struct{ holder, other string }

// relayLink is what the holder's relay was told about the other bridge's
// endpoints: endpoint id -> the sources last sent ("" none yet).
type relayLink struct {
	sent map[string]string
}

// bridgeOf is the bridge p's endpoint is (or is to be) on.
func (r *room) bridgeOf(p *participant) string {
	if p.bridge != "" {
		return p.bridge
	}
	return r.conf.bridge
}

// bridges lists the conference's bridges, the first one first.
func (r *room) bridges() []string {
	if r.conf.bridge == "" {
		return nil
	}
	return append([]string{r.conf.bridge}, r.mesh.order...)
}

// placeOn picks the bridge for p in a conference that already has one:
// the first bridge unless p is in another region that has a usable
// bridge, or the first bridge is overloaded (docs/scale-out.md#relays).
func (r *room) placeOn(p *participant) string {
	if r.conf.bridge == "" || !r.f.bridges.has(r.conf.bridge) {
		return ""
	}
	if b := r.f.bridges.selectForConference(p.region, r.bridges()); b != "" {
		return b
	}
	return r.conf.bridge
}

// allocateExtra creates p's endpoint on a bridge other than the
// conference's first (creating the conference there on first use) and
// links that bridge into the mesh.
func (r *room) allocateExtra(ctx context.Context, p *participant, bridge string) (*allocation, error) {
	if r.mesh.extra == nil {
		r.mesh.extra = map[string]*bridgeConf{}
	}
	bc := r.mesh.extra[bridge]
	if bc == nil {
		bc = &bridgeConf{bridge: bridge, meetingID: r.conf.meetingID}
		r.mesh.extra[bridge] = bc
		r.mesh.order = append(r.mesh.order, bridge)
	}
	create := !bc.created
	p.bridge = bridge // the bridge asked, also when it times out (colibriTimedOut)
	res, err := r.f.colibri(ctx, bridge, allocateRequest(r.conf.meetingID, r.jid, p.nick, p.statsID, create, p.muted, p.codecs))
	var ce *colibriError
	if errors.As(err, &ce) && ce.reason == colibri.ReasonConferenceNotFound && !create {
		res, err = r.f.colibri(ctx, bridge, allocateRequest(r.conf.meetingID, r.jid, p.nick, p.statsID, true, p.muted, p.codecs))
	}
	if err != nil {
		if !bc.created {
			r.dropExtra(bridge)
		}
		return nil, err
	}
	bc.created, p.allocated = true, true
	alloc, err := parseAllocation(res, p.nick)
	if err != nil {
		return nil, err
	}
	if len(alloc.feedback) > 0 {
		bc.feedback = alloc.feedback
	}
	alloc.feedback = bc.feedback
	r.log.Info("participant on another bridge of the conference", "endpoint", p.nick, "bridge", resourceOf(bridge))
	r.linkMesh(ctx, p.codecs)
	return alloc, nil
}

// dropExtra forgets an extra bridge and every relay to or on it.
func (r *room) dropExtra(bridge string) {
	delete(r.mesh.extra, bridge)
	r.mesh.order = slices.DeleteFunc(r.mesh.order, func(b string) bool { return b == bridge })
	for k := range r.mesh.relays {
		if k.holder == bridge || k.other == bridge {
			delete(r.mesh.relays, k)
		}
	}
}

// linkMesh creates the relays missing between the conference's bridges,
// then brings every relay's endpoint list up to date.
func (r *room) linkMesh(ctx context.Context, codecs codecOffer) {
	bs := r.bridges()
	for i, a := range bs {
		for _, b := range bs[i+1:] {
			if r.mesh.relays[relayKey{a, b}] == nil {
				r.link(ctx, a, b, codecs)
			}
		}
	}
	r.syncRelays(ctx)
}

// link creates the relay pair between bridges a and b. a, in the
// conference first, initiates: ICE-controlling, DTLS client (its peer's
// fingerprint goes to it as passive, its own to b as active), and it
// dials b's relay channel.
func (r *room) link(ctx context.Context, a, b string, codecs codecOffer) {
	idA, idB := r.f.bridges.relayID(a), r.f.bridges.relayID(b)
	media := codecs.colibri()
	resA, err := r.f.colibri(ctx, a, relayRequest(r.conf.meetingID, colibri.Relay{ID: idB, MeshID: "0", Create: true,
		Media: media, Transport: &colibri.Transport{ICEControlling: "true", UseUniquePort: true}}))
	trA := relayTransport(resA, err)
	if trA == nil {
		r.log.Warn("relay allocation failed", "bridge", resourceOf(a), "err", err)
		return
	}
	resB, err := r.f.colibri(ctx, b, relayRequest(r.conf.meetingID, colibri.Relay{ID: idA, MeshID: "0", Create: true,
		Media: media, Transport: peerTransport(trA, "active", "false")}))
	trB := relayTransport(resB, err)
	if trB == nil {
		r.log.Warn("relay allocation failed", "bridge", resourceOf(b), "err", err)
		r.expireRelay(ctx, a, idB)
		return
	}
	if _, err := r.f.colibri(ctx, a, relayRequest(r.conf.meetingID, colibri.Relay{ID: idB,
		Transport: peerTransport(trB, "passive", "true")})); err != nil {
		r.log.Warn("relay transport update failed", "bridge", resourceOf(a), "err", err)
		r.expireRelay(ctx, a, idB)
		r.expireRelay(ctx, b, idA)
		return
	}
	if r.mesh.relays == nil {
		r.mesh.relays = map[relayKey]*relayLink{}
	}
	r.mesh.relays[relayKey{a, b}] = &relayLink{sent: map[string]string{}}
	r.mesh.relays[relayKey{b, a}] = &relayLink{sent: map[string]string{}}
	r.log.Info("relay linked", "bridge", resourceOf(a), "peer", resourceOf(b))
}

func relayRequest(meetingID string, rl colibri.Relay) *colibri.ConferenceModify {
	return &colibri.ConferenceModify{MeetingID: meetingID, Relays: []colibri.Relay{rl}}
}

// relayTransport is the bridge's transport for a new relay, or nil.
func relayTransport(res *colibri.ConferenceModified, err error) *colibri.Transport {
	if err != nil || res == nil || len(res.Relays) != 1 || res.Relays[0].Transport == nil || res.Relays[0].Transport.ICE == nil {
		return nil
	}
	return res.Relays[0].Transport
}

// peerTransport is one bridge's relay transport as the other bridge gets
// it: the DTLS setup chosen (a bridge offers actpass, as Jicofo rewrites
// it) and the peer's ICE role.
func peerTransport(t *colibri.Transport, setup, controlling string) *colibri.Transport {
	ice := *t.ICE
	ice.Fingerprints = slices.Clone(ice.Fingerprints)
	for i := range ice.Fingerprints {
		ice.Fingerprints[i].Setup = setup
	}
	if controlling != "true" {
		ice.WebSockets = nil // only the initiator dials the channel
	}
	return &colibri.Transport{ICEControlling: controlling, ICE: &ice}
}

// expireRelay removes the relay towards the bridge with relay id other.
func (r *room) expireRelay(ctx context.Context, holder, other string) {
	if _, err := r.f.colibri(ctx, holder, relayRequest(r.conf.meetingID, colibri.Relay{ID: other, Expire: true})); err != nil {
		r.log.Debug("relay expire failed", "bridge", resourceOf(holder), "err", err)
	}
}

// syncRelays tells every relay which endpoints the bridge at its other
// end carries and their sources, sending only what changed; an extra
// bridge left without participants is released.
func (r *room) syncRelays(ctx context.Context) {
	r.releaseEmpty(ctx)
	for k, l := range r.mesh.relays {
		want := r.endpointsOn(k.other)
		var eps []colibri.Endpoint
		var media []colibri.Media // what the new endpoints' sessions offered: the bridge only adds
		for id, src := range want {
			if old, ok := l.sent[id]; !ok || old != src.key {
				eps = append(eps, colibri.Endpoint{ID: id, Create: !ok, StatsID: src.statsID, Sources: src.sources})
				media = append(media, src.media...)
			}
		}
		for id := range l.sent {
			if _, ok := want[id]; !ok {
				eps = append(eps, colibri.Endpoint{ID: id, Expire: true})
			}
		}
		if len(eps) == 0 {
			continue
		}
		slices.SortFunc(eps, func(a, b colibri.Endpoint) int { return strings.Compare(a.ID, b.ID) })
		rl := colibri.Relay{ID: r.f.bridges.relayID(k.other), Media: media, Endpoints: &colibri.RelayEndpoints{Endpoints: eps}}
		if _, err := r.f.colibri(ctx, k.holder, relayRequest(r.conf.meetingID, rl)); err != nil {
			r.log.Warn("relay update failed", "bridge", resourceOf(k.holder), "err", err)
			continue
		}
		l.sent = map[string]string{}
		for id, src := range want {
			l.sent[id] = src.key
		}
	}
}

// relayedEndpoint is one endpoint as a relay is told about it.
type relayedEndpoint struct {
	statsID string
	sources *colibri.Sources
	media   []colibri.Media // its session's payload types and extensions
	key     string          // the sources rendered, to notice changes
}

// endpointsOn lists the allocated endpoints on a bridge with their sources.
func (r *room) endpointsOn(bridge string) map[string]relayedEndpoint {
	out := map[string]relayedEndpoint{}
	for _, p := range r.ordered() {
		if !p.allocated || r.bridgeOf(p) != bridge {
			continue
		}
		src := p.sources.colibriSources()
		key := ""
		if el, err := dom.Marshal(src); err == nil {
			key = el.String()
		}
		out[p.nick] = relayedEndpoint{statsID: p.statsID, sources: src, media: p.codecs.colibri(), key: key}
	}
	return out
}

// releaseEmpty expires the conference on extra bridges nobody is on any
// more, and the relays towards them.
func (r *room) releaseEmpty(ctx context.Context) {
	for _, b := range slices.Clone(r.mesh.order) {
		if len(r.endpointsOn(b)) > 0 {
			continue
		}
		id := r.f.bridges.relayID(b)
		for _, o := range r.bridges() {
			if o != b && r.mesh.relays[relayKey{o, b}] != nil {
				r.expireRelay(ctx, o, id)
			}
		}
		if _, err := r.f.colibri(ctx, b, expireConferenceRequest(r.conf.meetingID)); err != nil {
			r.log.Debug("expire conference failed", "bridge", resourceOf(b), "err", err)
		}
		r.dropExtra(b)
		r.log.Info("conference left a bridge", "bridge", resourceOf(b))
	}
}

// expireExtras ends the conference on every extra bridge.
func (r *room) expireExtras(ctx context.Context) {
	for _, b := range r.mesh.order {
		if _, err := r.f.colibri(ctx, b, expireConferenceRequest(r.conf.meetingID)); err != nil {
			r.log.Debug("expire conference failed", "bridge", resourceOf(b), "err", err)
		}
	}
	r.mesh = mesh{}
}

// meshBridgeGone takes a bridge that left out of the mesh: the relays
// towards it are expired on the others; if it was the first bridge, the
// next one becomes first. It reports whether the room used the bridge.
func (r *room) meshBridgeGone(ctx context.Context, bridge string) bool {
	if r.conf.bridge != bridge && r.mesh.extra[bridge] == nil {
		return false
	}
	id := r.f.bridges.relayID(bridge)
	for _, o := range r.bridges() {
		if o != bridge && r.mesh.relays[relayKey{o, bridge}] != nil {
			r.expireRelay(ctx, o, id)
		}
	}
	if r.conf.bridge == bridge && len(r.mesh.order) > 0 {
		next := r.mesh.order[0] // the next bridge becomes the first; its relays stay
		r.conf = *r.mesh.extra[next]
		delete(r.mesh.extra, next)
		r.mesh.order = r.mesh.order[1:]
	} else if r.conf.bridge == bridge {
		r.conf.bridge, r.conf.created = "", false
	}
	r.dropExtra(bridge)
	return true
}
