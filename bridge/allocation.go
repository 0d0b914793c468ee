package bridge

import (
	"slices"
	"time"

	"meetd/colibri"
)

// defaultMaxHeight is the receive constraint before a client says anything
// and when its first ReceiverVideoConstraints has no defaultConstraints
// (JVB's default-max-height-px; JVB's initial 0 is not used so that a
// client without a bridge channel still gets thumbnails).
const defaultMaxHeight = 180

// constraint limits one source for one receiver (maxHeight < 0: no limit).
type constraint struct {
	maxHeight int
	maxFPS    float64
}

// receiverPrefs is what one receiver asked for in ReceiverVideoConstraints
// (merged field by field, docs/media.md#allocation). Guarded by conference.allocMu.
type receiverPrefs struct {
	lastN    int
	selected []string // source names or endpoint ids
	onStage  []string
	def      constraint
	per      map[string]constraint // by source name or endpoint id
}

func defaultPrefs() receiverPrefs {
	return receiverPrefs{lastN: -1, def: constraint{maxHeight: defaultMaxHeight}}
}

// maxPrefKeys bounds the selected/on-stage lists and per-source
// constraints one receiver may set (docs/bad-input.md#m8); the rest is
// ignored.
const maxPrefKeys = 64

// merge applies a ReceiverVideoConstraints message; absent fields keep
// their value. Endpoint-id forms (older clients) are accepted as keys.
func (p *receiverPrefs) merge(m *colibri.ReceiverVideoConstraints) {
	if m.LastN != nil {
		p.lastN = max(min(*m.LastN, 1<<16), -1)
	}
	if m.SelectedSources != nil || m.SelectedEndpoints != nil {
		p.selected = capKeys(append(slices.Clone(m.SelectedSources), m.SelectedEndpoints...))
	}
	if m.OnStageSources != nil || m.OnStageEndpoints != nil {
		p.onStage = capKeys(append(slices.Clone(m.OnStageSources), m.OnStageEndpoints...))
	}
	if d := m.DefaultConstraints; d != nil {
		p.def = constraint{maxHeight: d.MaxHeight, maxFPS: d.MaxFrameRate}
	}
	if m.Constraints != nil {
		p.per = make(map[string]constraint, min(len(m.Constraints), maxPrefKeys))
		for k, c := range m.Constraints {
			if len(p.per) == maxPrefKeys {
				break
			}
			p.per[k] = constraint{maxHeight: c.MaxHeight, maxFPS: c.MaxFrameRate}
		}
	}
}

func capKeys(keys []string) []string { return keys[:min(len(keys), maxPrefKeys)] }

// constraintFor is the receiver's constraint for one source.
func (p *receiverPrefs) constraintFor(s *videoSource) constraint {
	if c, ok := p.per[s.name]; ok {
		return c
	}
	if c, ok := p.per[s.owner]; ok {
		return c
	}
	return p.def
}

// allocation is the result for one receiver: a target per source (by the
// source's primary SSRC), the forwarded source names in priority order and
// each source's effective max height (for SenderSourceConstraints), and
// the bitrates of the targets and of the ideal (unconstrained by
// bandwidth) layers, which probing tries to close.
type allocation struct {
	targets   map[uint32]layerTarget
	forwarded []string
	owners    []string // endpoints of forwarded, without repeats
	effective map[*videoSource]int
	from      map[string]bool // senders whose media the receiver gets; nil: all
	ideal     float64
	sending   float64
	// Probing: padding goes on the RTX SSRC of a forwarded source.
	probeSSRC  uint32
	probePT    uint8
	probeCache *packetCache
}

// target returns the layer the receiver should get of a source.
func (a *allocation) target(primary uint32) layerTarget {
	if a == nil {
		return targetOff
	}
	if t, ok := a.targets[primary]; ok {
		return t
	}
	return targetOff
}

// hears reports whether the receiver gets sender's media at all.
func (a *allocation) hears(sender string) bool {
	return a == nil || a.from == nil || a.from[sender]
}

// allocate computes a receiver's allocation, JVB-style: sources ordered by
// speaker rank, then on-stage and selected ones moved to the top; the
// first lastN with a non-zero constraint get the highest encoding within
// their maxHeight and the temporal layers within their maxFrameRate, as
// far as budget (bps; < 0: unlimited) allows. The first source always gets
// at least its lowest encoding; later ones that do not fit get nothing. A
// source without simulcast cannot be thinned here, so its sender is asked
// for a height that fits.
func allocate(p *receiverPrefs, sources []*videoSource, rank map[string]int, budget float64, now time.Time) *allocation {
	a := &allocation{targets: map[uint32]layerTarget{}, effective: map[*videoSource]int{}}
	n, left := 0, budget
	for _, s := range prioritize(p, sources, rank) {
		c := p.constraintFor(s)
		if c.maxHeight == 0 || (p.lastN >= 0 && n >= p.lastN) {
			continue
		}
		ideal := encodingFor(s, c.maxHeight)
		enc, eff := ideal, c.maxHeight
		if budget >= 0 {
			for enc > 0 && s.rate(enc, now) > left {
				enc--
			}
			if s.rate(enc, now) > left && n > 0 {
				continue
			}
			if !s.simulcast() {
				eff = minHeight(eff, heightFor(left))
			}
			left -= s.rate(enc, now)
		}
		n++
		a.targets[s.primary] = layerTarget{enc: enc, tid: temporalFor(c.maxFPS), squeezed: enc < ideal}
		a.effective[s] = eff
		a.ideal += idealRate(s, ideal, c.maxHeight, now)
		a.sending += s.rate(enc, now)
		a.forwarded = append(a.forwarded, s.name)
		if !slices.Contains(a.owners, s.owner) {
			a.owners = append(a.owners, s.owner)
		}
	}
	return a
}

// idealRate is what a source would take without a bandwidth limit; for a
// single encoding, what its sender would send at the asked height.
func idealRate(s *videoSource, enc int8, maxHeight int, now time.Time) float64 {
	r := s.rate(enc, now)
	if s.simulcast() {
		return r
	}
	if maxHeight < 0 {
		maxHeight = 720
	}
	return max(r, nominalRate(maxHeight))
}

// minHeight combines two height limits; negative means none.
func minHeight(a, b int) int {
	switch {
	case a < 0:
		return b
	case b < 0:
		return a
	}
	return min(a, b)
}

// prioritize orders sources: on-stage, then selected (in the order given),
// then screen shares before cameras before disabled sources, each by their
// owner's speaker rank (unranked last, stable).
func prioritize(p *receiverPrefs, sources []*videoSource, rank map[string]int) []*videoSource {
	out := slices.Clone(sources)
	slices.SortStableFunc(out, func(a, b *videoSource) int {
		if ka, kb := typeOrder(a), typeOrder(b); ka != kb {
			return ka - kb
		}
		return rankOf(rank, a.owner) - rankOf(rank, b.owner)
	})
	var top []*videoSource
	for _, key := range append(slices.Clone(p.onStage), p.selected...) {
		for _, s := range out {
			if (s.name == key || s.owner == key) && !slices.Contains(top, s) {
				top = append(top, s)
			}
		}
	}
	rest := slices.DeleteFunc(out, func(s *videoSource) bool { return slices.Contains(top, s) })
	return append(top, rest...)
}

// typeOrder sorts screen shares first and disabled sources last.
func typeOrder(s *videoSource) int {
	switch s.kind.Load() {
	case videoDesktop:
		return 0
	case videoDisabled:
		return 2
	}
	return 1
}

func rankOf(rank map[string]int, owner string) int {
	if r, ok := rank[owner]; ok {
		return r
	}
	return 1 << 20
}

// encodingFor is the highest encoding not taller than maxHeight (the
// lowest one when all are taller; the highest when maxHeight < 0).
func encodingFor(s *videoSource, maxHeight int) int8 {
	best := int8(0)
	for i := range s.layers() {
		if maxHeight < 0 || s.height(i) <= maxHeight {
			best = int8(i)
		}
	}
	return best
}

// temporalFor maps a frame-rate limit onto the three VP8 temporal layers
// (7.5, 15, 30 fps); 0 means no limit.
func temporalFor(maxFPS float64) uint8 {
	switch {
	case maxFPS <= 0 || maxFPS >= 30:
		return 2
	case maxFPS >= 15:
		return 1
	}
	return 0
}
