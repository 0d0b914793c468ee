package focus

import (
	"strconv"
	"sync"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// bridgeInfo is what the focus knows about one bridge from its brewery
// presence.
type bridgeInfo struct {
	jid      string // brewery occupant JID, where Colibri2 IQs go
	stress   float64
	draining bool
	shutdown bool
}

// brewery tracks the bridges present in the brewery MUC.
type brewery struct {
	mu      sync.Mutex
	bridges map[string]*bridgeInfo
}

func newBrewery() *brewery {
	return &brewery{bridges: make(map[string]*bridgeInfo)}
}

// update applies one brewery presence and reports whether a usable bridge
// appeared. The focus's own presence and occupants without colibri stats
// are ignored, as Jicofo does.
func (b *brewery) update(p *dom.Element) bool {
	from := p.Attr("from")
	if resourceOf(from) == "focus" || resourceOf(from) == "" {
		return false
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if p.Attr("type") == "unavailable" || p.Attr("type") == "error" {
		delete(b.bridges, from)
		return false
	}
	stats := p.Child(ns.Colibri, "stats")
	if stats == nil {
		return false
	}
	_, known := b.bridges[from]
	bi := &bridgeInfo{jid: from}
	for _, s := range stats.ChildrenNamed("", "stat") {
		applyStat(bi, s.Attr("name"), s.Attr("value"))
	}
	b.bridges[from] = bi
	return !known && bi.usable()
}

func applyStat(bi *bridgeInfo, name, value string) {
	switch name {
	case "stress_level":
		if v, err := strconv.ParseFloat(value, 64); err == nil {
			bi.stress = v
		}
	case "drain":
		bi.draining = value == "true"
	case "shutting_down", "graceful_shutdown":
		bi.shutdown = bi.shutdown || value == "true"
	}
}

func (bi *bridgeInfo) usable() bool { return !bi.shutdown }

// has reports whether the bridge with the given occupant JID is present.
func (b *brewery) has(jid string) bool {
	b.mu.Lock()
	defer b.mu.Unlock()
	_, ok := b.bridges[jid]
	return ok
}

// selectBridge returns the least stressed usable bridge, preferring
// non-draining ones, or "" when there is none.
func (b *brewery) selectBridge() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	var best *bridgeInfo
	for _, bi := range b.bridges {
		if !bi.usable() {
			continue
		}
		if best == nil || better(bi, best) {
			best = bi
		}
	}
	if best == nil {
		return ""
	}
	return best.jid
}

func better(a, b *bridgeInfo) bool {
	if a.draining != b.draining {
		return !a.draining
	}
	if a.stress != b.stress {
		return a.stress < b.stress
	}
	return a.jid < b.jid
}
