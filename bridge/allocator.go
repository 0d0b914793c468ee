package bridge

import (
	"slices"
	"time"

	"meetd/colibri"
)

// reallocateLocked recomputes every receiver's allocation and tells them
// what changed (ForwardedSources to clients), and SenderSourceConstraints
// to senders. Control goroutine, allocMu held.
func (c *conference) reallocateLocked() {
	eps := c.list()
	rank := c.rankLocked()
	var all []*videoSource
	var audio []Source
	for _, e := range eps {
		tbl := e.ingress.Load()
		all = append(all, tbl.video...)
		audio = append(audio, tbl.audio...)
	}
	wanted := map[*videoSource]int{}
	now := time.Now()
	for _, r := range c.receivers() {
		others := slices.DeleteFunc(slices.Clone(all), func(s *videoSource) bool { return s.owner == r.id })
		from := r.only
		if r.ep != nil && r.ep.relay != nil {
			others, from = relayView(eps, others)
		}
		a := allocate(&r.prefs, others, rank, r.budget(), now)
		a.from = from
		if r.ep != nil {
			r.ep.setProbe(a, others)
		}
		r.tell(a, others, audio) // before the packets: a receiver knows what comes
		r.alloc.Store(a)
		for s, h := range a.effective {
			wanted[s] = maxHeightOf(wanted[s], h)
		}
	}
	c.publishSenderConstraintsLocked(eps, all, wanted)
}

// publishSenderConstraintsLocked tells each sender, per source, the
// largest height any receiver gets (0: nobody) when that changed.
func (c *conference) publishSenderConstraintsLocked(eps []*endpoint, all []*videoSource, wanted map[*videoSource]int) {
	names := map[string]bool{}
	for _, s := range all {
		names[s.name] = true
		h := wanted[s]
		if old, ok := c.senderMax[s.name]; ok && old == h {
			continue
		}
		c.senderMax[s.name] = h
		if owner := senderOf(eps, s); owner != nil {
			owner.sendSenderConstraints(s.name, h)
		}
	}
	for name := range c.senderMax {
		if !names[name] {
			delete(c.senderMax, name)
		}
	}
}

// greet sends a freshly opened bridge channel the current state
// (docs/media.md#channel-up): sender constraints, forwarded sources, dominant speaker.
func (c *conference) greet(e *endpoint) {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	for _, s := range e.ingress.Load().video {
		if h, ok := c.senderMax[s.name]; ok {
			e.sendSenderConstraints(s.name, h)
		}
	}
	if a := e.down.alloc.Load(); a != nil {
		e.sendForwarded(a.forwarded, a.owners)
	}
	if len(c.speakers) > 0 {
		e.sendJSON(colibri.NewDominantSpeakerEvent(c.speakers[0], c.speakers[1:], false))
	}
}

// rankLocked maps endpoint ids to their speaker rank (0 = dominant).
func (c *conference) rankLocked() map[string]int {
	rank := make(map[string]int, len(c.speakers))
	for i, id := range c.speakers {
		rank[id] = i
	}
	return rank
}

// maxHeightOf combines two effective heights; negative means unlimited.
func maxHeightOf(a, b int) int {
	if a < 0 || b < 0 {
		return -1
	}
	return max(a, b)
}

func findEndpoint(eps []*endpoint, id string) *endpoint {
	for _, e := range eps {
		if e.id == id {
			return e
		}
	}
	return nil
}

// sendForwarded tells a receiver which sources (and, for older clients,
// which endpoints) it is sent.
func (t *transport) sendForwarded(sources, owners []string) {
	if t.relay != nil {
		return // the other bridge learns nothing from it
	}
	t.sendJSON(colibri.NewForwardedSources(sources))
	t.sendJSON(colibri.NewLastNEndpointsChangeEvent(owners))
}

// noLimitHeight is what a sender is told when a receiver wants its source
// without a height limit (the recorder, a client asking -1): clients
// refuse a negative height, and encode at most 2160 lines anyway
// (docs/bridge.md, "Control goroutine").
const noLimitHeight = 2160

// sendSenderConstraints caps what the endpoint encodes for one source; the
// legacy per-endpoint form goes along for older clients.
func (t *transport) sendSenderConstraints(source string, maxHeight int) {
	if t.relay != nil {
		t.sendJSON(colibri.NewAddReceiver(t.b.cfg.ID, source, maxHeight)) // relay_channel.go
		return
	}
	if maxHeight < 0 {
		maxHeight = noLimitHeight
	}
	t.sendJSON(colibri.NewSenderSourceConstraints(source, maxHeight))
	t.sendJSON(colibri.NewSenderVideoConstraints(maxHeight))
}

// setPrefs changes a receiver's preferences and reallocates.
func (c *conference) setPrefs(e *endpoint, change func(*receiverPrefs)) {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	change(&e.down.prefs)
	e.down.prefsSet = true
	c.reallocate()
}

// setInitialLastN applies the focus's initial last-N unless the client
// already chose one.
func (c *conference) setInitialLastN(e *endpoint, n int) {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	if !e.down.prefsSet {
		e.down.prefs.lastN = max(min(n, 1<<16), -1)
	}
}

// setProbe picks the stream probing padding goes on: the RTX SSRC of the
// first forwarded source that has one, with the receiver's RTX type.
func (e *endpoint) setProbe(a *allocation, sources []*videoSource) {
	tbl := e.ingress.Load()
	pt := uint8(0)
	for apt, rtx := range tbl.rtxOf {
		if rtx != 0 && tbl.pts[apt] == kindVideo {
			pt = rtx
			break
		}
	}
	for _, s := range sources {
		if _, ok := a.targets[s.primary]; ok && s.rtx[0] != 0 && pt != 0 {
			a.probeSSRC, a.probePT, a.probeCache = s.rtx[0], pt, e.down.cacheFor(s)
			return
		}
	}
}
