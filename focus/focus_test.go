package focus

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// harness runs a focus on a fakeNet.
type harness struct {
	*fakeNet
	f      *Focus
	cancel context.CancelFunc
	done   chan error

	lastAlloc *colibri.ConferenceModify // the latest endpoint allocation seen by join
}

func startFocus(t *testing.T, setup ...func(*Focus)) *harness {
	t.Helper()
	n := newFakeNet(t)
	log := slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	f := New(Config{Domain: "localhost", Logger: log}, n)
	for _, s := range setup {
		s(f)
	}
	ctx, cancel := context.WithCancel(context.Background())
	h := &harness{fakeNet: n, f: f, cancel: cancel, done: make(chan error, 1)}
	go n.serve(ctx)
	go func() { h.done <- f.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-h.done; err != nil {
			t.Errorf("Run: %v", err)
		}
	})
	n.next("brewery join", func(st *dom.Element) bool {
		return st.Local == "presence" && st.Attr("to") == testBrewery+"/focus"
	})
	h.deliver(bridgePresence())
	return h
}

func bridgePresence() *dom.Element {
	return breweryPresence("jvb1", "drain", "false", "stress_level", "0.1")
}

// conferenceIQ sends the client's conference request and checks the answer.
func (h *harness) conferenceIQ(t *testing.T, client string) {
	t.Helper()
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", client).
		SetAttr("to", "focus.localhost").SetAttr("id", "conf-"+client)
	iq.AddNew(ns.Focus, "conference").SetAttr("room", testRoom).SetAttr("machine-uid", "m")
	h.deliver(iq)
	res := h.next("conference answer", isResultTo(client, "conf-"+client))
	c := res.Child(ns.Focus, "conference")
	if res.Attr("type") != "result" || c.Attr("ready") != "true" || c.Attr("focusjid") != "focus@auth.localhost" ||
		res.Attr("from") != "focus.localhost" {
		t.Fatalf("conference answer: %s", res)
	}
}

// join makes the client an occupant and returns the session-initiate.
func (h *harness) join(t *testing.T, bare string) (*dom.Element, *jingle.Jingle) {
	t.Helper()
	nick := nickOf(bare)
	h.conferenceIQ(t, bare+"/r")
	h.deliver(occupantPresence(nick, bare+"/r", "none", "participant"))
	h.next("endpoint allocation for "+nick, isColibri(func(cm *colibri.ConferenceModify) bool {
		ok := len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick && cm.Endpoints[0].Create
		if ok {
			h.lastAlloc = cm
		}
		return ok
	}))
	iq := h.next("session-initiate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionInitiate))
	j, err := parseJingle(iq.Child(ns.Jingle, "jingle"))
	if err != nil {
		t.Fatal(err)
	}
	return iq, j
}

// clientIQ sends a Jingle IQ as the client nick and waits for its ack.
func (h *harness) clientIQ(t *testing.T, nick string, j *jingle.Jingle) *dom.Element {
	t.Helper()
	el, err := dom.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	id := fmt.Sprintf("j-%s-%s", nick, j.Action)
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", testRoom+"/"+nick).
		SetAttr("to", focusReal).SetAttr("id", id).Add(el)
	h.deliver(iq)
	return h.next("answer to "+id, isResultTo(testRoom+"/"+nick, id))
}

// accept answers a session-initiate with the golden session-accept,
// renumbered so that every client has its own SSRCs.
func accept(t *testing.T, sid string, base uint32) *jingle.Jingle {
	j := loadAccept(t)
	j.SID = sid
	for i := range j.Contents {
		d := j.Contents[i].Description
		if d == nil {
			continue
		}
		for k := range d.Sources {
			d.Sources[k].SSRC += base
		}
		for _, g := range d.SSRCGroups {
			for k := range g.Sources {
				g.Sources[k].SSRC += base
			}
		}
	}
	return j
}

func ssrcsOf(j *jingle.Jingle, kind string) []uint32 {
	var out []uint32
	if c := j.Content(kind); c != nil && c.Description != nil {
		for _, s := range c.Description.Sources {
			out = append(out, s.SSRC)
		}
	}
	return out
}

func TestSessionInitiateShape(t *testing.T) {
	h := startFocus(t)
	iq, j := h.join(t, "a@localhost")
	tests := []struct {
		name string
		ok   bool
	}{
		{"addressed from the room", iq.Attr("to") == testRoom+"/aaaa1111" && j.Initiator == focusReal},
		{"three contents", len(j.Contents) == 3 && j.Content("audio") != nil && j.Content("video") != nil && j.Content("data") != nil},
		{"bundle group", len(j.Groups) == 1 && j.Groups[0].Semantics == "BUNDLE" && len(j.Groups[0].Contents) == 3},
		{"rtcp-mux in descriptions", j.Content("audio").Description.RTCPMux != nil && j.Content("video").Description.RTCPMux != nil},
		{"opus", j.Content("audio").Description.PayloadTypes[0].Name == "opus" && j.Content("audio").Description.PayloadTypes[0].ID == 111},
		{"vp8 and rtx", len(j.Content("video").Description.PayloadTypes) == 2 && j.Content("video").Description.PayloadTypes[1].Params[0].Value == "100"},
		{"bridge transport in every content", j.Content("data").Transport.Ufrag == "bu" && j.Content("video").Transport.Fingerprints[0].Setup == "actpass"},
		{"web-socket", len(j.Content("audio").Transport.WebSockets) == 1},
		{"sctpmap", j.Content("data").Transport.SCTPMap != nil && j.Content("data").Transport.SCTPMap.Number == 5000},
		{"feedback sources only", slices.Equal(ssrcsOf(j, "audio"), []uint32{777}) && slices.Equal(ssrcsOf(j, "video"), []uint32{888})},
		{"feedback msid", strings.HasPrefix(j.Content("audio").Description.Sources[0].Params[0].Value, "mixedmslabel")},
		{"bridge-session", j.BridgeSession != nil && j.BridgeSession.ID != ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("session-initiate: %s", iq)
			}
		})
	}
	h.next("owner grant", func(st *dom.Element) bool {
		it := st.Child(ns.MUCAdmin, "query").Child(ns.MUCAdmin, "item")
		return it.Attr("affiliation") == "owner" && it.Attr("jid") == "a@localhost"
	})
	ep := h.lastAlloc.Endpoints[0]
	if !h.lastAlloc.Create || h.lastAlloc.Name != testRoom || h.lastAlloc.MeetingID != testMeetingID {
		t.Errorf("first allocation does not create the conference: %+v", h.lastAlloc)
	}
	if !ep.HasCapability(colibri.CapSourceNames) || ep.Transport == nil || ep.Transport.SCTP == nil ||
		ep.Transport.ICEControlling != "true" || len(ep.Media) != 2 || ep.Media[1].PayloadTypes[0].ID != 100 {
		t.Errorf("endpoint allocation: %+v", ep)
	}
}
