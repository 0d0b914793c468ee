package focus

import (
	"os"
	"slices"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
)

func loadAccept(t *testing.T) *jingle.Jingle {
	t.Helper()
	b, err := os.ReadFile("testdata/session-accept-2021.xml")
	if err != nil {
		t.Fatal(err)
	}
	el, err := dom.Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	j, err := parseJingle(el)
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func ssrcList(ks kindSources) []uint32 {
	var out []uint32
	for _, s := range ks.sources {
		out = append(out, s.SSRC)
	}
	return out
}

func groupList(ks kindSources) []string {
	var out []string
	for _, g := range ks.groups {
		out = append(out, g.Semantics)
	}
	return out
}

func none(uint32) bool { return false }

func TestParseSourcesFromAccept(t *testing.T) {
	s := parseSources("abcd1234", loadAccept(t).Contents, none)
	if got := ssrcList(s.audio); !slices.Equal(got, []uint32{1001}) {
		t.Errorf("audio ssrcs %v", got)
	}
	if got := ssrcList(s.video); len(got) != 6 {
		t.Errorf("video ssrcs %v", got)
	}
	if got := groupList(s.video); !slices.Equal(got, []string{"SIM", "FID", "FID", "FID"}) {
		t.Errorf("video groups %v", got)
	}
	if s.audio.sources[0].Params[0].Value != "stream-a track-a" {
		t.Errorf("msid lost: %+v", s.audio.sources[0])
	}
}

func src(ssrc uint32, name string) jingle.Source { return jingle.Source{SSRC: ssrc, Name: name} }

func grp(sem string, ssrcs ...uint32) jingle.SSRCGroup {
	g := jingle.SSRCGroup{Semantics: sem}
	for _, s := range ssrcs {
		g.Sources = append(g.Sources, jingle.GroupEntry{SSRC: s})
	}
	return g
}

func TestParseSourcesValidation(t *testing.T) {
	tests := []struct {
		name       string
		desc       jingle.Description
		taken      func(uint32) bool
		wantSSRCs  []uint32
		wantGroups []string
		wantName   string
	}{
		{"zero and duplicate ssrcs dropped", jingle.Description{Media: "video",
			Sources: []jingle.Source{src(0, "x-v0"), src(5, "x-v0"), src(5, "x-v0")}}, none, []uint32{5}, nil, "x-v0"},
		{"ssrc of another endpoint dropped", jingle.Description{Media: "video",
			Sources: []jingle.Source{src(5, "x-v0"), src(6, "x-v0")}}, func(s uint32) bool { return s == 5 }, []uint32{6}, nil, "x-v0"},
		{"group with unknown ssrc dropped", jingle.Description{Media: "video",
			Sources:    []jingle.Source{src(5, "x-v0"), src(6, "x-v0")},
			SSRCGroups: []jingle.SSRCGroup{grp("FID", 5, 6), grp("FID", 5, 7), grp("FID", 5), grp("XYZ", 5, 6)}},
			none, []uint32{5, 6}, []string{"FID"}, "x-v0"},
		{"unnamed source named after owner", jingle.Description{Media: "video",
			Sources: []jingle.Source{src(9, "")}}, none, []uint32{9}, nil, "abcd-v0"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := parseSources("abcd", []jingle.Content{{Name: "video", Description: &tc.desc}}, tc.taken)
			if got := ssrcList(s.video); !slices.Equal(got, tc.wantSSRCs) {
				t.Errorf("ssrcs %v, want %v", got, tc.wantSSRCs)
			}
			if got := groupList(s.video); !slices.Equal(got, tc.wantGroups) {
				t.Errorf("groups %v, want %v", got, tc.wantGroups)
			}
			if s.video.sources[0].Name != tc.wantName {
				t.Errorf("name %q, want %q", s.video.sources[0].Name, tc.wantName)
			}
		})
	}
}

func TestForReceiversStripsSimulcast(t *testing.T) {
	tests := []struct {
		name       string
		video      kindSources
		wantSSRCs  []uint32
		wantGroups []string
	}{
		{"simulcast with rtx keeps first layer and its rtx", kindSources{
			sources: []jingle.Source{src(1, "e-v0"), src(2, "e-v0"), src(3, "e-v0"), src(11, "e-v0"), src(12, "e-v0"), src(13, "e-v0")},
			groups:  []jingle.SSRCGroup{grp("SIM", 1, 2, 3), grp("FID", 1, 11), grp("FID", 2, 12), grp("FID", 3, 13)},
		}, []uint32{1, 11}, []string{"FID"}},
		{"simulcast without rtx", kindSources{
			sources: []jingle.Source{src(1, "e-v0"), src(2, "e-v0"), src(3, "e-v0")},
			groups:  []jingle.SSRCGroup{grp("SIM", 1, 2, 3)},
		}, []uint32{1}, nil},
		{"no simulcast is unchanged", kindSources{
			sources: []jingle.Source{src(1, "e-v0"), src(11, "e-v0")},
			groups:  []jingle.SSRCGroup{grp("FID", 1, 11)},
		}, []uint32{1, 11}, []string{"FID"}},
		{"camera with simulcast plus desktop", kindSources{
			sources: []jingle.Source{src(1, "e-v0"), src(2, "e-v0"), src(11, "e-v0"), src(12, "e-v0"), src(7, "e-v1"), src(17, "e-v1")},
			groups:  []jingle.SSRCGroup{grp("SIM", 1, 2), grp("FID", 1, 11), grp("FID", 2, 12), grp("FID", 7, 17)},
		}, []uint32{1, 11, 7, 17}, []string{"FID", "FID"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			out := sourceSet{video: tc.video}.forReceivers("e")
			if got := ssrcList(out.video); !slices.Equal(got, tc.wantSSRCs) {
				t.Errorf("ssrcs %v, want %v", got, tc.wantSSRCs)
			}
			if got := groupList(out.video); !slices.Equal(got, tc.wantGroups) {
				t.Errorf("groups %v, want %v", got, tc.wantGroups)
			}
			for _, s := range out.video.sources {
				if s.Info == nil || s.Info.Owner != "e" {
					t.Errorf("source %d has no owner", s.SSRC)
				}
			}
			if tc.video.sources[0].Info != nil {
				t.Error("input modified")
			}
		})
	}
}

func TestDiffSources(t *testing.T) {
	old := sourceSet{
		audio: kindSources{sources: []jingle.Source{src(1, "e-a0")}},
		video: kindSources{sources: []jingle.Source{src(2, "e-v0"), src(3, "e-v0")}, groups: []jingle.SSRCGroup{grp("FID", 2, 3)}},
	}
	cur := sourceSet{
		audio: kindSources{sources: []jingle.Source{src(1, "e-a0")}},
		video: kindSources{sources: []jingle.Source{src(4, "e-v1"), src(5, "e-v1")}, groups: []jingle.SSRCGroup{grp("FID", 4, 5)}},
	}
	add, rm := diffSources(old, cur)
	if got := ssrcList(add.video); !slices.Equal(got, []uint32{4, 5}) || len(add.audio.sources) != 0 {
		t.Errorf("added %v / %v", got, ssrcList(add.audio))
	}
	if got := ssrcList(rm.video); !slices.Equal(got, []uint32{2, 3}) || len(rm.audio.sources) != 0 {
		t.Errorf("removed %v", got)
	}
	if len(add.video.groups) != 1 || add.video.groups[0].Sources[0].SSRC != 4 || len(rm.video.groups) != 1 {
		t.Errorf("groups add %v rm %v", add.video.groups, rm.video.groups)
	}
	if a, r := diffSources(cur, cur); !a.empty() || !r.empty() {
		t.Error("no change must diff to nothing")
	}
}

func TestColibriSourcesByName(t *testing.T) {
	s := sourceSet{video: kindSources{
		sources: []jingle.Source{src(1, "e-v0"), src(11, "e-v0"), src(7, "e-v1")},
		groups:  []jingle.SSRCGroup{grp("FID", 1, 11)},
	}, audio: kindSources{sources: []jingle.Source{src(3, "e-a0")}}}
	cs := s.colibriSources()
	if len(cs.MediaSources) != 3 {
		t.Fatalf("media sources: %+v", cs.MediaSources)
	}
	if ms := cs.MediaSources[1]; ms.ID != "e-v0" || ms.Type != "video" || len(ms.Sources) != 2 || len(ms.Groups) != 1 {
		t.Errorf("e-v0: %+v", ms)
	}
	if ms := cs.MediaSources[0]; ms.ID != "e-a0" || ms.Type != "audio" {
		t.Errorf("e-a0: %+v", ms)
	}
}
