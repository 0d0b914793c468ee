package focus

import (
	"fmt"
	"slices"
	"testing"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

func TestPresenceCodecs(t *testing.T) {
	tests := []struct {
		name, elem, text string
		want             []string
	}{
		{"none", "", "", nil},
		{"list", "jitsi_participant_codecList", "av1,vp9,vp8,h264", []string{"av1", "vp9", "vp8", "h264"}},
		{"list adds vp8", "jitsi_participant_codecList", "VP9, H264", []string{"vp9", "h264", "vp8"}},
		{"list dedup and empty", "jitsi_participant_codecList", "vp9,,vp9,vp8", []string{"vp9", "vp8"}},
		{"old codecType", "jitsi_participant_codecType", "vp9", []string{"vp9", "vp8"}},
		{"old codecType vp8", "jitsi_participant_codecType", "VP8", []string{"vp8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pres := dom.New(ns.Client, "presence")
			if tt.elem != "" {
				pres.AddNew(ns.Client, tt.elem).SetText(tt.text)
			}
			if got := presenceCodecs(pres); !slices.Equal(got, tt.want) {
				t.Errorf("presenceCodecs = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestConferenceCodecs(t *testing.T) {
	order := []string{"av1", "vp9", "vp8", "h264"}
	tests := []struct {
		name string
		ps   [][]string
		want []string
	}{
		{"nobody announced", [][]string{nil, nil}, order},
		{"all support all", [][]string{order, {"h264", "vp9", "av1", "vp8"}}, order},
		{"one without av1", [][]string{order, {"vp9", "vp8", "h264"}}, []string{"vp9", "vp8", "h264"}},
		{"old vp8-only client", [][]string{order, {"vp8"}}, []string{"vp8"}},
		{"vp8 always kept", [][]string{{"vp9"}}, []string{"vp9", "vp8"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ps := map[string]*participant{}
			for i, c := range tt.ps {
				ps[string(rune('a'+i))] = &participant{videoCodecs: c}
			}
			if got := conferenceCodecs(order, ps); !slices.Equal(got, tt.want) {
				t.Errorf("conferenceCodecs = %v, want %v", got, tt.want)
			}
		})
	}
}

// ptNames lists a description's payload types as "id name" (rtx: "id rtx/apt").
func ptNames(pts []jingle.PayloadType) []string {
	var out []string
	for _, pt := range pts {
		s := pt.Name
		for _, p := range pt.Params {
			if p.Name == "apt" {
				s += "/" + p.Value
			}
		}
		out = append(out, fmt.Sprintf("%03d %s", pt.ID, s))
	}
	return out
}

func TestVideoOffer(t *testing.T) {
	v := codecOffer{videoCodecs: []string{"av1", "vp9", "vp8", "h264"}}.video()
	want := []string{"041 AV1", "101 VP9", "100 VP8", "107 H264", "042 rtx/41", "097 rtx/101", "096 rtx/100", "099 rtx/107"}
	if got := ptNames(v.payloadTypes); !slices.Equal(got, want) {
		t.Errorf("video payload types %v, want %v", got, want)
	}
	h264 := v.payloadTypes[3]
	if len(h264.Params) != 3 || h264.Params[0] != (jingle.Parameter{Name: "profile-level-id", Value: "42e01f"}) ||
		h264.Params[2] != (jingle.Parameter{Name: "packetization-mode", Value: "1"}) {
		t.Errorf("H264 fmtp %+v", h264.Params)
	}
	for _, pt := range v.payloadTypes[:4] {
		if len(pt.RTCPFB) != 4 || pt.RTCPFB[1].Type != "nack" || pt.RTCPFB[3].Type != "transport-cc" {
			t.Errorf("%s rtcp-fb %+v", pt.Name, pt.RTCPFB)
		}
	}
	if !slices.ContainsFunc(v.hdrExts, func(x jingle.HdrExt) bool { return x.ID == 11 && x.URI == extDependency }) {
		t.Errorf("AV1 offered without the dependency descriptor: %+v", v.hdrExts)
	}
	vp8 := codecOffer{videoCodecs: []string{"vp8"}}.video()
	if got := ptNames(vp8.payloadTypes); !slices.Equal(got, []string{"100 VP8", "096 rtx/100"}) {
		t.Errorf("VP8-only offer %v", got)
	}
	if slices.ContainsFunc(vp8.hdrExts, func(x jingle.HdrExt) bool { return x.ID == 11 }) {
		t.Error("dependency descriptor offered without AV1")
	}
}

func TestAudioOffer(t *testing.T) {
	plain := codecOffer{}.audio()
	if got := ptNames(plain.payloadTypes); !slices.Equal(got, []string{"111 opus"}) {
		t.Errorf("audio %v", got)
	}
	if !slices.Contains(plain.payloadTypes[0].Params, jingle.Parameter{Name: "useinbandfec", Value: "1"}) {
		t.Error("Opus without RED lost in-band FEC")
	}
	red := codecOffer{red: true}.audio()
	if got := ptNames(red.payloadTypes); !slices.Equal(got, []string{"112 red", "111 opus"}) {
		t.Errorf("audio with RED %v (RED must come first)", got)
	}
	if p := red.payloadTypes[0].Params; len(p) != 1 || p[0] != (jingle.Parameter{Value: "111/111"}) {
		t.Errorf("RED fmtp %+v", p)
	}
	if slices.Contains(red.payloadTypes[1].Params, jingle.Parameter{Name: "useinbandfec", Value: "1"}) {
		t.Error("in-band FEC asked for on top of RED")
	}
}

// joinWithCodecs is harness.join with a codec list in the presence.
func (h *harness) joinWithCodecs(t *testing.T, bare, codecs string) (*colibri.ConferenceModify, *jingle.Jingle) {
	t.Helper()
	nick := nickOf(bare)
	h.conferenceIQ(t, bare+"/r")
	pres := occupantPresence(nick, bare+"/r", "none", "participant")
	pres.AddNew(ns.Client, "jitsi_participant_codecList").SetText(codecs)
	h.deliver(pres)
	var alloc *colibri.ConferenceModify
	h.next("endpoint allocation for "+nick, isColibri(func(cm *colibri.ConferenceModify) bool {
		ok := len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick && cm.Endpoints[0].Create
		if ok {
			alloc = cm
		}
		return ok
	}))
	return alloc, parsed(t, h.next("session-initiate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionInitiate)))
}

// TestOfferNarrowsToSharedCodecs: the configured order is offered, to the
// bridge and the client alike, narrowed to what every participant announced.
func TestOfferNarrowsToSharedCodecs(t *testing.T) {
	h := startFocus(t, func(f *Focus) { f.cfg.VideoCodecs = []string{"av1", "vp9", "vp8", "h264"} })
	allocA, ja := h.joinWithCodecs(t, "a@localhost", "av1,vp9,vp8,h264")
	want := []string{"041 AV1", "101 VP9", "100 VP8", "107 H264", "042 rtx/41", "097 rtx/101", "096 rtx/100", "099 rtx/107"}
	if got := ptNames(ja.Content("video").Description.PayloadTypes); !slices.Equal(got, want) {
		t.Errorf("A's offer %v, want %v", got, want)
	}
	if got := ptNames(allocA.Endpoints[0].Media[1].PayloadTypes); !slices.Equal(got, want) {
		t.Errorf("A's media on the bridge %v, want %v", got, want)
	}
	_, jb := h.joinWithCodecs(t, "b@localhost", "vp9,vp8")
	want = []string{"101 VP9", "100 VP8", "097 rtx/101", "096 rtx/100"}
	if got := ptNames(jb.Content("video").Description.PayloadTypes); !slices.Equal(got, want) {
		t.Errorf("B's offer %v, want %v (A's and B's shared codecs)", got, want)
	}
}

// TestOpusREDByFeature: with opus_red on, RED goes to a client whose
// disco#info lists the feature and not to one that does not answer.
func TestOpusREDByFeature(t *testing.T) {
	h := startFocus(t, func(f *Focus) { f.cfg.OpusRED = true })
	a := nickOf("a@localhost")
	h.conferenceIQ(t, "a@localhost/r")
	h.deliver(occupantPresence(a, "a@localhost/r", "none", "participant"))
	q := h.next("disco#info to A", func(st *dom.Element) bool {
		return st.Local == "iq" && st.Attr("to") == testRoom+"/"+a && st.Child(ns.DiscoInfo, "query") != nil
	})
	res := answer(q, testRoom+"/"+a)
	res.AddNew(ns.DiscoInfo, "query").AddNew(ns.DiscoInfo, "feature").SetAttr("var", featureOpusRED)
	h.deliver(res)
	ja := parsed(t, h.next("session-initiate to A", isJingle(testRoom+"/"+a, jingle.ActionSessionInitiate)))
	if got := ptNames(ja.Content("audio").Description.PayloadTypes); !slices.Equal(got, []string{"112 red", "111 opus"}) {
		t.Errorf("A's audio %v, want RED first", got)
	}
	b := nickOf("b@localhost")
	h.conferenceIQ(t, "b@localhost/r")
	h.deliver(occupantPresence(b, "b@localhost/r", "none", "participant"))
	q = h.next("disco#info to B", func(st *dom.Element) bool {
		return st.Local == "iq" && st.Attr("to") == testRoom+"/"+b && st.Child(ns.DiscoInfo, "query") != nil
	})
	res = answer(q, testRoom+"/"+b)
	res.AddNew(ns.DiscoInfo, "query")
	h.deliver(res)
	jb := parsed(t, h.next("session-initiate to B", isJingle(testRoom+"/"+b, jingle.ActionSessionInitiate)))
	if got := ptNames(jb.Content("audio").Description.PayloadTypes); !slices.Equal(got, []string{"111 opus"}) {
		t.Errorf("B's audio %v, want Opus only", got)
	}
}
