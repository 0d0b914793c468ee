package focus

// selectForConference picks the bridge for a participant in region
// joining a conference on bridges (the first one first), or "" to keep
// the first: a bridge of the conference in the participant's region; else
// a bridge elsewhere in the brewery in that region; else, when the first
// bridge is overloaded, the least stressed bridge that is not. Only
// usable, not draining bridges with a relay id and the first bridge's
// version qualify (Jicofo never mixes versions in a conference).
func (b *brewery) selectForConference(region string, bridges []string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if len(bridges) == 0 {
		return ""
	}
	first := b.bridges[bridges[0]]
	if first == nil || first.relayID == "" {
		return ""
	}
	fits := func(bi *bridgeInfo) bool {
		return bi.usable() && !bi.draining && bi.relayID != "" && bi.version == first.version && bi.stress < overloadStress
	}
	if region != "" {
		for _, jid := range bridges {
			if bi := b.bridges[jid]; bi != nil && bi.region == region && fits(bi) {
				return jid
			}
		}
		if best := b.leastStressed(func(bi *bridgeInfo) bool { return bi.region == region && fits(bi) }); best != "" {
			return best
		}
	}
	if first.stress < overloadStress {
		return ""
	}
	for _, jid := range bridges[1:] {
		if bi := b.bridges[jid]; bi != nil && fits(bi) {
			return jid
		}
	}
	return b.leastStressed(fits)
}

// leastStressed is the bridge that ok accepts with the lowest stress
// (ties by JID), or "". b.mu held.
func (b *brewery) leastStressed(ok func(*bridgeInfo) bool) string {
	var best *bridgeInfo
	for _, bi := range b.bridges {
		if ok(bi) && (best == nil || bi.stress < best.stress || (bi.stress == best.stress && bi.jid < best.jid)) {
			best = bi
		}
	}
	if best == nil {
		return ""
	}
	return best.jid
}

// relayID is the relay id a bridge announced, or its brewery nick.
func (b *brewery) relayID(jid string) string {
	b.mu.Lock()
	defer b.mu.Unlock()
	if bi := b.bridges[jid]; bi != nil && bi.relayID != "" {
		return bi.relayID
	}
	return resourceOf(jid)
}
