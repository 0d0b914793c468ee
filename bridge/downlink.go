package bridge

import (
	"slices"
	"sync"
	"sync/atomic"
)

// downlink is the receiver side of a conference member: what it asked
// for, what it is allocated, and the caches of the streams projected to
// it. Its media goes to out, a Receiver: the SRTP/UDP writer of a client
// endpoint, or a receiver attached with AddReceiver.
type downlink struct {
	id    string
	out   Receiver
	ep    *endpoint  // the client endpoint this is the receiver side of; nil when attached
	tr    *transport // out, when it is a client endpoint's transport (called directly on the hot path)
	alloc atomic.Pointer[allocation]

	// Guarded by conference.allocMu.
	prefs    receiverPrefs
	prefsSet bool            // a ReceiverVideoConstraints/LastN message arrived
	only     map[string]bool // attached: the senders it gets (nil: every sender's audio)
	told     []Source        // the allocation last given to out.Allocated
	toldOnce bool

	pending atomic.Pointer[Constraints] // attached: new constraints for the control goroutine

	cacheMu sync.Mutex
	caches  map[uint32]*packetCache // projected streams, by primary SSRC
}

func newDownlink(id string, out Receiver, ep *endpoint) *downlink {
	tr, _ := out.(*transport)
	return &downlink{id: id, out: out, ep: ep, tr: tr, prefs: defaultPrefs()}
}

// ready is out.Ready; a client endpoint's transport is asked directly, so
// the per-packet loop makes no interface call for it.
func (d *downlink) ready() bool {
	if d.tr != nil {
		return d.tr.srtpReady.Load()
	}
	return d.out.Ready()
}

// sendRTP is out.SendRTP, a client endpoint's transport called directly.
func (d *downlink) sendRTP(pkt []byte) bool {
	if d.tr != nil {
		return d.tr.SendRTP(pkt)
	}
	return d.out.SendRTP(pkt)
}

// budget is the bandwidth its allocation may use (-1: unlimited).
func (d *downlink) budget() float64 {
	if d.ep == nil || d.ep.relay != nil {
		return -1
	}
	return d.ep.budget()
}

// tell gives out the allocation when it changed. allocMu must be held.
func (d *downlink) tell(a *allocation, all []*videoSource, audio []Source) {
	srcs := make([]Source, 0, len(a.forwarded)+len(audio))
	for _, name := range a.forwarded {
		for _, s := range all {
			if s.name == name {
				srcs = append(srcs, Source{Endpoint: s.owner, Name: s.name, Video: true, SSRC: s.primary})
				break
			}
		}
	}
	for _, s := range audio {
		if s.Endpoint != d.id && a.hears(s.Endpoint) {
			srcs = append(srcs, s)
		}
	}
	if d.toldOnce && slices.Equal(srcs, d.told) {
		return
	}
	d.told, d.toldOnce = srcs, true
	d.out.Allocated(Allocation{Sources: slices.Clone(srcs)})
}

// cacheFor returns (creating) the cache of a projected stream towards d.
func (d *downlink) cacheFor(src *videoSource) *packetCache {
	d.cacheMu.Lock()
	defer d.cacheMu.Unlock()
	if d.caches == nil {
		d.caches = map[uint32]*packetCache{}
	}
	c := d.caches[src.primary]
	if c == nil || c.src != src {
		c = &packetCache{src: src}
		d.caches[src.primary] = c
	}
	return c
}

// cacheOf returns the cache of a projected stream towards d, or nil.
func (d *downlink) cacheOf(primary uint32) *packetCache {
	d.cacheMu.Lock()
	defer d.cacheMu.Unlock()
	return d.caches[primary]
}

// constraintPrefs turns an attached receiver's constraints into the
// preferences allocation works with and the set of senders it hears.
func constraintPrefs(c Constraints) (receiverPrefs, map[string]bool) {
	p := receiverPrefs{lastN: -1, def: constraint{maxHeight: 0}, per: map[string]constraint{}}
	only := map[string]bool{}
	for _, id := range capKeys(c.Endpoints) {
		only[id] = true
		p.per[id] = constraint{maxHeight: max(c.MaxHeight, -1)}
	}
	return p, only
}

// accepts reports whether the receiver was offered payload type pt for
// media of kind k, so that it can decode what it is sent; receivers that
// are not client endpoints (the recorder) take everything.
func (d *downlink) accepts(pt uint8, k mediaKind) bool {
	return d.ep == nil || d.ep.ingress.Load().pts[pt&0x7F] == k
}
