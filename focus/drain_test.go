package focus

import (
	"context"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const shutdownText = "the server is shutting down"

// conferenceRequest sends a conference IQ for room and returns the answer.
func (h *harness) conferenceRequest(client, room string) *dom.Element {
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", client).
		SetAttr("to", "focus.localhost").SetAttr("id", "conf-"+client+room)
	iq.AddNew(ns.Focus, "conference").SetAttr("room", room)
	h.deliver(iq)
	return h.next("conference answer for "+room, isResultTo(client, "conf-"+client+room))
}

func isGracefulShutdown(res *dom.Element) bool {
	return res.Attr("type") == "error" && stanza.ErrorCondition(res) == "service-unavailable" &&
		res.Child("", "error").Attr("type") == "cancel" && res.Child("", "error").Child(ns.StanzaErr, "text").Text == drainingText
}

func TestDrainRefusesOnlyNewConferences(t *testing.T) {
	h := startFocus(t)
	h.join(t, "a@localhost")
	h.f.Drain()
	tests := []struct {
		name, room string
		refused    bool
	}{
		{"new room", "room2@conference.localhost", true},
		{"running room", testRoom, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			res := h.conferenceRequest("b@localhost/r", tc.room)
			if got := isGracefulShutdown(res); got != tc.refused {
				t.Errorf("answer %s, want refused=%v", res, tc.refused)
			}
		})
	}
	if n := h.f.Conferences(); n != 1 {
		t.Errorf("Conferences() = %d after a refused request, want 1", n)
	}
}

func TestEndAllTerminatesAndDestroys(t *testing.T) {
	h := startFocus(t)
	const a, b = "aaaa1111", "bbbb1111"
	_, ja := h.join(t, "a@localhost")
	h.clientIQ(t, a, accept(t, ja.SID, 0))
	h.join(t, "b@localhost") // b's session stays pending
	done := make(chan error, 1)
	go func() { done <- h.f.EndAll(context.Background(), shutdownText) }()

	for _, nick := range []string{a, b} {
		j := parsed(t, h.next("session-terminate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionTerminate)))
		if j.Reason == nil || j.Reason.Condition.XMLName.Local != "gone" || j.Reason.Text != shutdownText {
			t.Errorf("terminate reason to %s: %+v", nick, j.Reason)
		}
	}
	destroy := h.next("room destroy", func(st *dom.Element) bool {
		return st.Attr("to") == testRoom && st.Child(ns.MUCOwner, "query").Child(ns.MUCOwner, "destroy") != nil
	})
	if got := destroy.Child(ns.MUCOwner, "query").Child(ns.MUCOwner, "destroy").Child(ns.MUCOwner, "reason").Text; got != shutdownText {
		t.Errorf("destroy reason %q", got)
	}
	// The MUC tells every occupant, the focus too.
	gone := occupantPresence("focus", focusReal, "none", "none", "110").SetAttr("type", "unavailable")
	gone.Child(ns.MUCUser, "x").AddNew(ns.MUCUser, "destroy").AddNew(ns.MUCUser, "reason").SetText(shutdownText)
	h.deliver(gone)
	h.next("conference expire", isColibri(func(cm *colibri.ConferenceModify) bool { return cm.Expire }))
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("EndAll = %v", err)
		}
	case <-time.After(waitLimit):
		t.Fatal("EndAll did not return after the room was destroyed")
	}
	if n := h.f.Conferences(); n != 0 {
		t.Errorf("Conferences() = %d after EndAll, want 0", n)
	}
	if res := h.conferenceRequest("c@localhost/r", testRoom); !isGracefulShutdown(res) {
		t.Errorf("conference request after EndAll answered %s", res)
	}
}

func TestEndAllBoundedByContext(t *testing.T) {
	h := startFocus(t)
	h.join(t, "a@localhost")
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	// The MUC never confirms the destroy: EndAll gives up when ctx ends.
	if err := h.f.EndAll(ctx, shutdownText); err == nil {
		t.Error("EndAll with an ended context and a room left = nil, want the context's error")
	}
}
