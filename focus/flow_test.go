package focus

import (
	"slices"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

func endpointUpdate(nick string, check func(colibri.Endpoint) bool) func(*dom.Element) bool {
	return isColibri(func(cm *colibri.ConferenceModify) bool {
		return len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick && !cm.Endpoints[0].Create && check(cm.Endpoints[0])
	})
}

func parsed(t *testing.T, iq *dom.Element) *jingle.Jingle {
	t.Helper()
	j, err := parseJingle(iq.Child(ns.Jingle, "jingle"))
	if err != nil {
		t.Fatal(err)
	}
	return j
}

func ownersOf(j *jingle.Jingle) map[string]bool {
	m := map[string]bool{}
	for _, c := range j.Contents {
		if c.Description == nil {
			continue
		}
		for _, s := range c.Description.Sources {
			if s.Info != nil {
				m[s.Info.Owner] = true
			}
		}
	}
	return m
}

func TestTwoParticipantsExchangeSources(t *testing.T) {
	h := startFocus(t)
	const a, b = "aaaa1111", "bbbb1111"

	_, ja := h.join(t, "a@localhost")
	if res := h.clientIQ(t, a, accept(t, ja.SID, 0)); res.Attr("type") != "result" {
		t.Fatalf("session-accept answer: %s", res)
	}
	up := h.next("bridge update with A's transport", endpointUpdate(a, func(ep colibri.Endpoint) bool {
		return ep.Transport != nil && ep.Transport.ICE != nil && ep.Sources != nil
	}))
	var cm colibri.ConferenceModify
	_ = dom.Unmarshal(up.Child(ns.Colibri2, "conference-modify"), &cm)
	ep := cm.Endpoints[0]
	if ep.Transport.ICE.Ufrag != "cUfr" || ep.Transport.ICE.Fingerprints[0].Setup != "active" || len(ep.Transport.ICE.Candidates) != 1 {
		t.Errorf("transport to bridge: %+v", ep.Transport.ICE)
	}
	if len(ep.Sources.MediaSources) != 2 || len(ep.Sources.MediaSources[1].Sources) != 6 || len(ep.Sources.MediaSources[1].Groups) != 4 {
		t.Errorf("sources to bridge (all simulcast layers and groups): %+v", ep.Sources)
	}
	if ep.InitialLastN == nil || ep.InitialLastN.Value != 25 {
		t.Errorf("initial-last-n: %+v", ep.InitialLastN)
	}

	// B's offer holds A's sources, simulcast stripped to the first layer + RTX.
	_, jb := h.join(t, "b@localhost")
	if got := ssrcsOf(jb, "video"); !slices.Equal(got, []uint32{888, 2001, 2011}) {
		t.Errorf("B's offer video ssrcs %v, want feedback + first SIM layer + its RTX", got)
	}
	if got := ssrcsOf(jb, "audio"); !slices.Equal(got, []uint32{777, 1001}) {
		t.Errorf("B's offer audio ssrcs %v", got)
	}
	if g := jb.Content("video").Description.SSRCGroups; len(g) != 1 || g[0].Semantics != "FID" {
		t.Errorf("B's offer groups %+v", g)
	}
	if !ownersOf(jb)[a] || !ownersOf(jb)["jvb"] {
		t.Errorf("owners %v", ownersOf(jb))
	}

	// B accepts: A learns B's sources.
	h.clientIQ(t, b, accept(t, jb.SID, 10000))
	h.next("bridge update for B", endpointUpdate(b, func(ep colibri.Endpoint) bool { return ep.Transport != nil }))
	add := parsed(t, h.next("source-add to A", isJingle(testRoom+"/"+a, jingle.ActionSourceAdd)))
	if add.SID != ja.SID || !slices.Equal(ssrcsOf(add, "video"), []uint32{12001, 12011}) || !slices.Equal(ssrcsOf(add, "audio"), []uint32{11001}) {
		t.Errorf("source-add to A: %+v", add)
	}
	if !ownersOf(add)[b] || len(ownersOf(add)) != 1 {
		t.Errorf("source-add owners %v", ownersOf(add))
	}
	h.noneSent("source-add to B", isJingle(testRoom+"/"+b, jingle.ActionSourceAdd))

	// A adds a desktop source: the bridge and B hear of it.
	desk := &jingle.Jingle{Action: jingle.ActionSourceAdd, SID: ja.SID, Contents: []jingle.Content{{Name: "video",
		Description: &jingle.Description{Media: "video", Sources: []jingle.Source{{SSRC: 3001, Name: a + "-v1", VideoType: "desktop"}}}}}}
	h.clientIQ(t, a, desk)
	h.next("bridge update with desktop", endpointUpdate(a, func(ep colibri.Endpoint) bool {
		return ep.Sources != nil && len(ep.Sources.MediaSources) == 3
	}))
	add = parsed(t, h.next("source-add to B", isJingle(testRoom+"/"+b, jingle.ActionSourceAdd)))
	if got := ssrcsOf(add, "video"); !slices.Equal(got, []uint32{3001}) || add.SID != jb.SID {
		t.Errorf("desktop source-add to B: %v", got)
	}

	// A removes it again, and trickles a candidate to the bridge.
	desk.Action = jingle.ActionSourceRemove
	h.clientIQ(t, a, desk)
	h.next("bridge update without desktop", endpointUpdate(a, func(ep colibri.Endpoint) bool {
		return ep.Sources != nil && len(ep.Sources.MediaSources) == 2
	}))
	rm := parsed(t, h.next("source-remove to B", isJingle(testRoom+"/"+b, jingle.ActionSourceRemove)))
	if got := ssrcsOf(rm, "video"); !slices.Equal(got, []uint32{3001}) {
		t.Errorf("desktop source-remove to B: %v", got)
	}
	ti := &jingle.Jingle{Action: jingle.ActionTransportInfo, SID: ja.SID, Contents: []jingle.Content{{Name: "audio",
		Transport: &jingle.ICEUDP{Ufrag: "cUfr", Pwd: "cPwdcPwdcPwdcPwdcPwdcPwd", Candidates: []jingle.Candidate{{
			Component: 1, Foundation: "2", IP: "127.0.0.1", Port: 50001, Priority: 5, Protocol: "udp", Type: "host"}}}}}}
	h.clientIQ(t, a, ti)
	h.next("bridge update with the candidate", endpointUpdate(a, func(ep colibri.Endpoint) bool {
		return ep.Transport != nil && ep.Transport.ICE != nil && len(ep.Transport.ICE.Candidates) == 1 &&
			ep.Transport.ICE.Candidates[0].Port == 50001
	}))

	// B leaves: its endpoint is expired and A is told its sources are gone.
	h.deliver(dom.New(ns.Client, "presence").SetAttr("type", "unavailable").SetAttr("from", testRoom+"/"+b).SetAttr("to", focusReal))
	h.next("expire B", endpointUpdate(b, func(ep colibri.Endpoint) bool { return ep.Expire }))
	rm = parsed(t, h.next("source-remove to A", isJingle(testRoom+"/"+a, jingle.ActionSourceRemove)))
	if got := append(ssrcsOf(rm, "audio"), ssrcsOf(rm, "video")...); !slices.Equal(got, []uint32{11001, 12001, 12011}) {
		t.Errorf("source-remove to A: %v", got)
	}

	// A leaves: the conference ends.
	h.deliver(dom.New(ns.Client, "presence").SetAttr("type", "unavailable").SetAttr("from", testRoom+"/"+a).SetAttr("to", focusReal))
	h.next("conference expire", isColibri(func(cm *colibri.ConferenceModify) bool { return cm.Expire }))
	h.next("focus leaves", func(st *dom.Element) bool {
		return st.Local == "presence" && st.Attr("to") == testRoom+"/focus" && st.Attr("type") == "unavailable"
	})
}

func TestJingleFromNonParticipantRejected(t *testing.T) {
	h := startFocus(t)
	h.join(t, "a@localhost")
	tests := []struct {
		name, nick, sid, condition string
	}{
		{"unknown occupant", "zzzz9999", "x", "item-not-found"},
		{"wrong sid", "aaaa1111", "not-the-sid", "item-not-found"},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			j := &jingle.Jingle{Action: jingle.ActionSourceAdd, SID: tc.sid}
			res := h.clientIQ(t, tc.nick, j)
			if res.Attr("type") != "error" || stanza.ErrorCondition(res) != tc.condition {
				t.Errorf("answer: %s", res)
			}
			if got := h.f.Stats().RejectedIQs; got != int64(i+1) {
				t.Errorf("rejected count %d", got)
			}
		})
	}
	t.Run("outside any room", func(t *testing.T) {
		iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", "x@localhost/r").
			SetAttr("to", focusReal).SetAttr("id", "stray")
		iq.AddNew(ns.Jingle, "jingle").SetAttr("action", "session-accept").SetAttr("sid", "s")
		h.deliver(iq)
		res := h.next("answer to stray jingle", isResultTo("x@localhost/r", "stray"))
		if res.Attr("type") != "error" || stanza.ErrorCondition(res) != "item-not-found" {
			t.Errorf("answer: %s", res)
		}
	})
	t.Run("bad conference room", func(t *testing.T) {
		iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", "x@localhost/r").
			SetAttr("to", "focus.localhost").SetAttr("id", "badroom")
		iq.AddNew(ns.Focus, "conference").SetAttr("room", "room@elsewhere")
		h.deliver(iq)
		if res := h.next("answer to bad room", isResultTo("x@localhost/r", "badroom")); res.Attr("type") != "error" {
			t.Errorf("answer: %s", res)
		}
	})
}

func TestBridgeErrorTerminatesSession(t *testing.T) {
	h := startFocus(t)
	_, ja := h.join(t, "a@localhost")
	h.mu.Lock()
	h.failEP["aaaa1111"] = true
	h.mu.Unlock()
	h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
	term := parsed(t, h.next("session-terminate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionTerminate)))
	if term.SID != ja.SID || term.Reason == nil {
		t.Errorf("terminate: %+v", term)
	}
	h.next("expire endpoint", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	if h.f.Stats().ColibriErrors == 0 {
		t.Error("colibri error not counted")
	}
}

func TestSessionRestart(t *testing.T) {
	h := startFocus(t)
	_, ja := h.join(t, "a@localhost")
	h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
	term := &jingle.Jingle{Action: jingle.ActionSessionTerminate, SID: ja.SID,
		BridgeSession: &jingle.BridgeSession{ID: ja.BridgeSession.ID, Restart: true}}
	if res := h.clientIQ(t, "aaaa1111", term); res.Attr("type") != "result" {
		t.Fatalf("terminate answer: %s", res)
	}
	h.next("expire endpoint", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	again := parsed(t, h.next("new session-initiate", isJingle(testRoom+"/aaaa1111", jingle.ActionSessionInitiate)))
	if again.SID == ja.SID {
		t.Error("restart reused the sid")
	}
}

func TestFocusLeavesRoomNobodyJoins(t *testing.T) {
	h := startFocus(t, func(f *Focus) { f.emptyRoomTimeout = 10 * time.Millisecond })
	h.conferenceIQ(t, "a@localhost/r")
	h.next("focus leaves the empty room", func(st *dom.Element) bool {
		return st.Local == "presence" && st.Attr("to") == testRoom+"/focus" && st.Attr("type") == "unavailable"
	})
	h.noneSent("conference expire", isColibri(func(*colibri.ConferenceModify) bool { return true }))
	// A later request starts over: the focus joins again.
	h.conferenceIQ(t, "a@localhost/r")
}

func TestRejectedInitiateExpiresEndpoint(t *testing.T) {
	h := startFocus(t)
	h.mu.Lock()
	h.rejects["aaaa1111"] = true
	h.mu.Unlock()
	_, ja := h.join(t, "a@localhost")
	h.next("expire endpoint", endpointUpdate("aaaa1111", func(ep colibri.Endpoint) bool { return ep.Expire }))
	// The old session is gone: its sid is now unknown.
	res := h.clientIQ(t, "aaaa1111", accept(t, ja.SID, 0))
	if res.Attr("type") != "error" || stanza.ErrorCondition(res) != "item-not-found" {
		t.Errorf("accept after rejection answered %s", res)
	}
}

func TestDiscoInfo(t *testing.T) {
	h := startFocus(t)
	for _, to := range []string{"focus.localhost", testRoom + "/focus"} {
		t.Run(to, func(t *testing.T) {
			iq := dom.New(ns.Client, "iq").SetAttr("type", "get").SetAttr("from", "a@localhost/r").
				SetAttr("to", to).SetAttr("id", "disco-"+to)
			iq.AddNew(ns.DiscoInfo, "query")
			h.deliver(iq)
			res := h.next("disco answer", isResultTo("a@localhost/r", "disco-"+to))
			q := res.Child(ns.DiscoInfo, "query")
			if res.Attr("type") != "result" || q.Child(ns.DiscoInfo, "identity") == nil || len(q.ChildrenNamed(ns.DiscoInfo, "feature")) == 0 {
				t.Errorf("disco answer: %s", res)
			}
		})
	}
}
