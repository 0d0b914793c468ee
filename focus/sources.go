package focus

import (
	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// Limits on one endpoint's sources (Jicofo's max-ssrcs-per-user).
const (
	maxSSRCs  = 20
	maxGroups = 20
)

// Media kinds, also the Jingle content names of the bridge session.
const (
	kindAudio = "audio"
	kindVideo = "video"
)

// kindSources are the sources and SSRC groups of one media kind.
type kindSources struct {
	sources []jingle.Source
	groups  []jingle.SSRCGroup
}

// sourceSet is one endpoint's sources by media kind.
type sourceSet struct {
	audio, video kindSources
}

func (s *sourceSet) kind(k string) *kindSources {
	if k == kindAudio {
		return &s.audio
	}
	return &s.video
}

func (s sourceSet) empty() bool {
	return len(s.audio.sources) == 0 && len(s.video.sources) == 0
}

// ssrcs returns every SSRC in the set.
func (s sourceSet) ssrcs() map[uint32]bool {
	m := make(map[uint32]bool)
	for _, ks := range []kindSources{s.audio, s.video} {
		for _, src := range ks.sources {
			m[src.SSRC] = true
		}
	}
	return m
}

// contentKind returns the media kind of a Jingle content, or "".
func contentKind(c *jingle.Content) string {
	k := c.Name
	if c.Description != nil && c.Description.Media != "" {
		k = c.Description.Media
	}
	if k == kindAudio || k == kindVideo {
		return k
	}
	return ""
}

// parseSources collects the sources of a client's Jingle contents for the
// endpoint owner. Invalid entries are dropped, not fatal: a session-accept
// must be answered with a result whatever it holds (docs/protocols.md#session-accept). taken
// reports SSRCs other endpoints already use.
func parseSources(owner string, contents []jingle.Content, taken func(uint32) bool) sourceSet {
	var out sourceSet
	seen := make(map[uint32]bool)
	for i := range contents {
		k := contentKind(&contents[i])
		d := contents[i].Description
		if k == "" || d == nil {
			continue
		}
		ks := out.kind(k)
		for _, src := range d.Sources {
			if src.SSRC == 0 || seen[src.SSRC] || taken(src.SSRC) || len(seen) >= maxSSRCs {
				continue
			}
			seen[src.SSRC] = true
			ks.sources = append(ks.sources, cleanSource(owner, k, src))
		}
		ks.groups = append(ks.groups, d.SSRCGroups...)
	}
	out.audio.groups = validGroups(out.audio)
	out.video.groups = validGroups(out.video)
	return out
}

// cleanSource keeps what the focus relays of a client's source and names it
// when the client did not (old clients without source names).
func cleanSource(owner, kind string, src jingle.Source) jingle.Source {
	c := jingle.Source{SSRC: src.SSRC, Name: src.Name, VideoType: src.VideoType}
	if c.Name == "" {
		c.Name = owner + "-" + kind[:1] + "0"
	}
	for _, p := range src.Params {
		if p.Name == "msid" || p.Name == "cname" {
			c.Params = append(c.Params, p)
		}
	}
	return c
}

// validGroups drops groups with unknown semantics, unknown SSRCs or the
// wrong size, and duplicates, keeping at most maxGroups.
func validGroups(ks kindSources) []jingle.SSRCGroup {
	have := make(map[uint32]bool, len(ks.sources))
	for _, s := range ks.sources {
		have[s.SSRC] = true
	}
	var out []jingle.SSRCGroup
	for _, g := range ks.groups {
		if !groupOK(g, have) || containsGroup(out, g) || len(out) >= maxGroups {
			continue
		}
		out = append(out, jingle.SSRCGroup{Semantics: g.Semantics, Sources: append([]jingle.GroupEntry(nil), g.Sources...)})
	}
	return out
}

func groupOK(g jingle.SSRCGroup, have map[uint32]bool) bool {
	switch g.Semantics {
	case "FID", "FEC":
		if len(g.Sources) != 2 {
			return false
		}
	case "SIM":
		if len(g.Sources) < 1 {
			return false
		}
	default:
		return false
	}
	for _, e := range g.Sources {
		if !have[e.SSRC] {
			return false
		}
	}
	return true
}

func containsGroup(gs []jingle.SSRCGroup, g jingle.SSRCGroup) bool {
	for _, h := range gs {
		if sameGroup(h, g) {
			return true
		}
	}
	return false
}

func sameGroup(a, b jingle.SSRCGroup) bool {
	if a.Semantics != b.Semantics || len(a.Sources) != len(b.Sources) {
		return false
	}
	for i := range a.Sources {
		if a.Sources[i].SSRC != b.Sources[i].SSRC {
			return false
		}
	}
	return true
}

// merge returns s with the sources and groups of add appended (source-add
// from the client); SSRCs already present are skipped.
func (s sourceSet) merge(add sourceSet) sourceSet {
	out := s.clone()
	have := s.ssrcs()
	for _, k := range []string{kindAudio, kindVideo} {
		ks, extra := out.kind(k), add.kind(k)
		for _, src := range extra.sources {
			if !have[src.SSRC] && len(have) < maxSSRCs {
				have[src.SSRC] = true
				ks.sources = append(ks.sources, src)
			}
		}
		ks.groups = validGroups(kindSources{sources: ks.sources, groups: append(ks.groups, extra.groups...)})
	}
	return out
}

// without returns s minus the given SSRCs and every group that used them.
func (s sourceSet) without(drop map[uint32]bool) sourceSet {
	var out sourceSet
	for _, k := range []string{kindAudio, kindVideo} {
		in, ks := s.kind(k), out.kind(k)
		for _, src := range in.sources {
			if !drop[src.SSRC] {
				ks.sources = append(ks.sources, src)
			}
		}
		for _, g := range in.groups {
			if !groupUses(g, drop) {
				ks.groups = append(ks.groups, g)
			}
		}
	}
	return out
}

func groupUses(g jingle.SSRCGroup, ssrcs map[uint32]bool) bool {
	for _, e := range g.Sources {
		if ssrcs[e.SSRC] {
			return true
		}
	}
	return false
}

func (s sourceSet) clone() sourceSet {
	return s.without(nil)
}

// forReceivers is what other participants are told about s: simulcast is
// stripped to the first SSRC of each SIM group with its RTX (FID) partner,
// the only streams the bridge forwards, and every source names its owner.
func (s sourceSet) forReceivers(owner string) sourceSet {
	drop := make(map[uint32]bool)
	for _, g := range s.video.groups {
		if g.Semantics != "SIM" || len(g.Sources) == 0 {
			continue
		}
		for _, e := range g.Sources[1:] {
			drop[e.SSRC] = true
		}
	}
	for _, g := range s.video.groups {
		if (g.Semantics == "FID" || g.Semantics == "FEC") && len(g.Sources) == 2 && drop[g.Sources[0].SSRC] {
			drop[g.Sources[1].SSRC] = true
		}
	}
	out := s.without(drop)
	out.video.groups = withoutSemantics(out.video.groups, "SIM")
	out.setOwner(owner)
	return out
}

func withoutSemantics(gs []jingle.SSRCGroup, semantics string) []jingle.SSRCGroup {
	var out []jingle.SSRCGroup
	for _, g := range gs {
		if g.Semantics != semantics {
			out = append(out, g)
		}
	}
	return out
}

func (s *sourceSet) setOwner(owner string) {
	for _, ks := range []*kindSources{&s.audio, &s.video} {
		for i := range ks.sources {
			ks.sources[i].Info = &jingle.SSRCInfo{Owner: owner}
		}
	}
}

// diffSources returns what must be added to and removed from a receiver
// that knows old so that it knows cur (compared by SSRC).
func diffSources(old, cur sourceSet) (added, removed sourceSet) {
	added = cur.without(old.ssrcs())
	removed = old.without(cur.ssrcs())
	added = keepGroupsOf(added, cur)
	removed = keepGroupsOf(removed, old)
	return added, removed
}

// keepGroupsOf gives part every group of whole whose SSRCs are all in part.
func keepGroupsOf(part, whole sourceSet) sourceSet {
	have := part.ssrcs()
	for _, k := range []string{kindAudio, kindVideo} {
		ks := part.kind(k)
		ks.groups = nil
		for _, g := range whole.kind(k).groups {
			if groupOK(g, have) {
				ks.groups = append(ks.groups, g)
			}
		}
	}
	return part
}

// appendSet appends b's sources and groups to a.
func appendSet(a, b sourceSet) sourceSet {
	for _, k := range []string{kindAudio, kindVideo} {
		ka, kb := a.kind(k), b.kind(k)
		ka.sources = append(ka.sources, kb.sources...)
		ka.groups = append(ka.groups, kb.groups...)
	}
	return a
}

// contents renders s as Jingle contents (for source-add and source-remove).
func (s sourceSet) contents() []jingle.Content {
	var out []jingle.Content
	for _, k := range []string{kindAudio, kindVideo} {
		ks := s.kind(k)
		if len(ks.sources) == 0 && len(ks.groups) == 0 {
			continue
		}
		out = append(out, jingle.Content{Name: k, Creator: "initiator", Description: &jingle.Description{
			Media: k, Sources: ks.sources, SSRCGroups: ks.groups,
		}})
	}
	return out
}

// colibriSources renders s for the bridge: one media-source per source name,
// each group with the source that holds its first SSRC.
func (s sourceSet) colibriSources() *colibri.Sources {
	out := &colibri.Sources{}
	for _, k := range []string{kindAudio, kindVideo} {
		ks := s.kind(k)
		index := make(map[string]int)
		byssrc := make(map[uint32]int)
		for _, src := range ks.sources {
			i, ok := index[src.Name]
			if !ok {
				i = len(out.MediaSources)
				index[src.Name] = i
				out.MediaSources = append(out.MediaSources, colibri.MediaSource{Type: k, ID: src.Name})
			}
			src.Info = nil
			out.MediaSources[i].Sources = append(out.MediaSources[i].Sources, src)
			byssrc[src.SSRC] = i
		}
		for _, g := range ks.groups {
			i, ok := byssrc[g.Sources[0].SSRC]
			if !ok {
				continue
			}
			out.MediaSources[i].Groups = append(out.MediaSources[i].Groups, g)
		}
	}
	return out
}
