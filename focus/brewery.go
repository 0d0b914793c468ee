package focus

import (
	"math"
	"strconv"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// bridgeInfo is what the focus knows about one bridge from its brewery
// presence.
type bridgeInfo struct {
	jid      string // brewery occupant JID, where Colibri2 IQs go
	stress   float64
	region   string
	version  string
	relayID  string // relay_id: the bridge can take part in relays
	draining bool
	shutdown bool
	healthy  bool
	failures int // health checks failed in a row (health.go)
	// faultedUntil: a Colibri2 request timed out; no conference until then
	// (colibritimeout.go), whatever its health checks say.
	faultedUntil time.Time
}

// overloadStress is the stress level from which a bridge counts as
// overloaded: a new conference goes to a bridge below it when there is
// one, in the participant's region first (as Jicofo's region-based
// selection does; docs/scale-out.md#selection).
const overloadStress = 0.8

// brewery tracks the bridges present in the brewery MUC.
type brewery struct {
	allow allowList // who may be a bridge (bridgeallow.go)

	mu      sync.Mutex
	bridges map[string]*bridgeInfo
}

func newBrewery(allow []string) *brewery {
	return &brewery{allow: newAllowList(allow), bridges: make(map[string]*bridgeInfo)}
}

// breweryChange is what one brewery presence changed.
type breweryChange int

const (
	breweryNothing  breweryChange = iota
	breweryAppeared               // a usable bridge appeared
	breweryGone                   // a known bridge left or became unhealthy
	breweryRefused                // stats from an occupant not on the allow-list
)

// update applies one brewery presence and says what changed. The focus's
// own presence and occupants without colibri stats are ignored, as Jicofo
// does; so is a stats presence whose real JID (the muc#user item, which a
// non-anonymous brewery shows) is not on the allow-list: that occupant is
// never a bridge (breweryRefused).
func (b *brewery) update(p *dom.Element) breweryChange {
	from := p.Attr("from")
	if resourceOf(from) == "focus" || resourceOf(from) == "" {
		return breweryNothing
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	old, known := b.bridges[from]
	if p.Attr("type") == "unavailable" || p.Attr("type") == "error" {
		delete(b.bridges, from)
		if known {
			return breweryGone
		}
		return breweryNothing
	}
	stats := p.Child(ns.Colibri, "stats")
	if stats == nil {
		return breweryNothing
	}
	if !b.allow.allows(realJIDOf(p)) {
		return breweryRefused
	}
	bi := &bridgeInfo{jid: from, healthy: true}
	if known {
		bi.failures = old.failures         // the presence does not clear failed health checks
		bi.faultedUntil = old.faultedUntil // nor a Colibri2 timeout
	}
	for _, s := range stats.ChildrenNamed("", "stat") {
		applyStat(bi, s.Attr("name"), s.Attr("value"))
	}
	b.bridges[from] = bi
	switch {
	case bi.usable() && (!known || !old.usable()):
		return breweryAppeared
	case !bi.healthy && known && old.healthy && old.failures < healthFailures:
		return breweryGone // a bridge shutting down gracefully keeps its conferences
	}
	return breweryNothing
}

// realJIDOf returns the real JID a MUC presence carries in its muc#user
// item, or "" when the room hides it.
func realJIDOf(p *dom.Element) string {
	return p.Child(ns.MUCUser, "x").Child(ns.MUCUser, "item").Attr("jid")
}

func applyStat(bi *bridgeInfo, name, value string) {
	switch name {
	case "stress_level":
		// A bridge that says nothing sensible counts as fully loaded.
		if v, err := strconv.ParseFloat(value, 64); err == nil && v >= 0 && !math.IsNaN(v) && !math.IsInf(v, 0) {
			bi.stress = v
		} else {
			bi.stress = 1
		}
	case "region":
		bi.region = value
	case "version":
		bi.version = value
	case "relay_id":
		bi.relayID = value
	case "healthy":
		bi.healthy = value != "false"
	case "drain":
		bi.draining = value == "true"
	case "shutting_down", "graceful_shutdown":
		bi.shutdown = bi.shutdown || value == "true"
	}
}

func (bi *bridgeInfo) usable() bool {
	return !bi.shutdown && bi.healthy && bi.failures < healthFailures && !time.Now().Before(bi.faultedUntil)
}

// list returns the occupant JIDs of the known bridges.
func (b *brewery) list() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	out := make([]string, 0, len(b.bridges))
	for jid := range b.bridges {
		out = append(out, jid)
	}
	return out
}

// checked records a health check's outcome and says whether the bridge
// just failed (gone) or came back (appeared).
func (b *brewery) checked(jid string, ok bool) breweryChange {
	b.mu.Lock()
	defer b.mu.Unlock()
	bi := b.bridges[jid]
	if bi == nil {
		return breweryNothing
	}
	was := bi.failures < healthFailures
	if ok {
		bi.failures = 0
	} else {
		bi.failures++
	}
	switch now := bi.failures < healthFailures; {
	case was && !now:
		return breweryGone
	case !was && now && bi.usable():
		return breweryAppeared
	}
	return breweryNothing
}

// has reports whether the bridge with the given occupant JID is present.
func (b *brewery) has(jid string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.bridges[jid]
	return ok
}

// selectBridge picks the bridge for a new conference whose first
// participant is in region ("" unknown), or returns "" when none is
// usable. Preference, as Jicofo's region-based selection: not draining;
// then not overloaded in the region; then not overloaded anywhere; then the
// least stressed (ties by JID, so the choice is stable).
func (b *brewery) selectBridge(region string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var best *bridgeInfo
	for _, bi := range b.bridges {
		if !bi.usable() {
			continue
		}
		if best == nil || better(bi, best, region) {
			best = bi
		}
	}
	if best == nil {
		return ""
	}
	return best.jid
}

// rank orders bridges for a participant in region: lower is better.
func rank(bi *bridgeInfo, region string) int {
	r := 0
	if bi.draining {
		r += 4
	}
	if bi.stress >= overloadStress {
		r += 2
	}
	if region == "" || bi.region != region {
		r++
	}
	return r
}

func better(a, b *bridgeInfo, region string) bool {
	if ra, rb := rank(a, region), rank(b, region); ra != rb {
		return ra < rb
	}
	if a.stress != b.stress {
		return a.stress < b.stress
	}
	return a.jid < b.jid
}
