package focus

import (
	"fmt"
	"testing"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// muteIQ is a client's mute request to the focus occupant.
func muteIQ(fromNick, id, space, target, value string) *dom.Element {
	iq := dom.New(ns.Client, "iq").SetAttr("type", "set").SetAttr("from", testRoom+"/"+fromNick).
		SetAttr("to", focusReal).SetAttr("id", id)
	m := iq.AddNew(space, "mute").SetText(value)
	if target != "" {
		m.SetAttr("jid", testRoom+"/"+target)
	}
	return iq
}

func forceMuteOf(nick string, audio, video bool) func(*dom.Element) bool {
	return endpointUpdate(nick, func(ep colibri.Endpoint) bool {
		return ep.ForceMute != nil && ep.ForceMute.Audio == audio && ep.ForceMute.Video == video
	})
}

// twoInRoom joins a (made owner: moderator) and b (participant).
func twoInRoom(t *testing.T) *harness {
	h := startFocus(t)
	h.join(t, "a@localhost")
	h.join(t, "b@localhost")
	h.next("owner grant to a", func(st *dom.Element) bool {
		it := st.Child(ns.MUCAdmin, "query").Child(ns.MUCAdmin, "item")
		return it.Attr("affiliation") == "owner" && it.Attr("jid") == "a@localhost"
	})
	return h
}

func TestMuteRequests(t *testing.T) {
	const a, b = "aaaa1111", "bbbb1111"
	tests := []struct {
		name      string
		from, to  string
		ns, value string
		wantType  string
		wantCond  string
		bridge    func(*dom.Element) bool // expected force-mute update, nil: none
		notifyTo  string                  // expected mute IQ to this nick
	}{
		{"moderator mutes audio", a, b, ns.MuteAudio, "true", "result", "", forceMuteOf(b, true, false), b},
		{"moderator mutes video", a, b, ns.MuteVideo, "true", "result", "", forceMuteOf(b, false, true), b},
		{"participant may not mute others", b, a, ns.MuteAudio, "true", "error", "not-allowed", nil, ""},
		{"moderator may not unmute others", a, b, ns.MuteAudio, "false", "error", "not-allowed", nil, ""},
		{"self mute", b, b, ns.MuteAudio, "true", "result", "", forceMuteOf(b, true, false), ""},
		{"self mute without jid", b, "", ns.MuteVideo, "true", "result", "", forceMuteOf(b, false, true), ""},
		{"garbage value", a, b, ns.MuteAudio, "yes", "error", "bad-request", nil, ""},
		{"unknown target", a, "zzzz", ns.MuteAudio, "true", "error", "item-not-found", nil, ""},
	}
	for i, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := twoInRoom(t)
			id := fmt.Sprintf("mute-%d", i)
			h.deliver(muteIQ(tc.from, id, tc.ns, tc.to, tc.value))
			res := h.next("answer to "+id, isResultTo(testRoom+"/"+tc.from, id))
			if res.Attr("type") != tc.wantType || (tc.wantCond != "" && stanza.ErrorCondition(res) != tc.wantCond) {
				t.Fatalf("answer %s, want %s %s", res, tc.wantType, tc.wantCond)
			}
			if tc.bridge != nil {
				h.next("force-mute on the bridge", tc.bridge)
			} else {
				h.noneSent("force-mute", isColibri(func(cm *colibri.ConferenceModify) bool {
					return len(cm.Endpoints) == 1 && cm.Endpoints[0].ForceMute != nil
				}))
			}
			isMute := func(st *dom.Element) bool { return muteMedia(st.FirstChild()) != "" && st.Local == "iq" }
			if tc.notifyTo != "" {
				iq := h.next("mute IQ to the target", func(st *dom.Element) bool {
					return isMute(st) && st.Attr("to") == testRoom+"/"+tc.notifyTo
				})
				if m := iq.FirstChild(); m.Text != "true" || m.Attr("actor") != testRoom+"/"+tc.from || m.Space != tc.ns {
					t.Errorf("mute IQ to target: %s", iq)
				}
			} else {
				h.noneSent("mute IQ", isMute)
			}
		})
	}
}

// avNoticeMsg is a notice from the AV moderation component.
func avNoticeMsg(from, body string) *dom.Element {
	m := dom.New(ns.Client, "message").SetAttr("from", from).SetAttr("to", focusReal)
	m.AddNew(ns.JitMeet, "json-message").SetText(body)
	return m
}

func TestAVModerationBlocksUnmuteUntilApproved(t *testing.T) {
	const a, b = "aaaa1111", "bbbb1111"
	h := twoInRoom(t)
	// A forged notice (not from the component) changes nothing.
	h.deliver(avNoticeMsg(testRoom+"/"+b, `{"type":"av_moderation","room":"`+testRoom+`","enabled":true,"mediaType":"audio","actor":"`+testRoom+"/"+b+`"}`))
	h.deliver(muteIQ(b, "u0", ns.MuteAudio, b, "false"))
	if res := h.next("answer u0", isResultTo(testRoom+"/"+b, "u0")); res.Attr("type") != "result" {
		t.Fatalf("unmute without moderation: %s", res)
	}

	h.deliver(avNoticeMsg("avmoderation.localhost", `{"type":"av_moderation","room":"`+testRoom+`","enabled":true,"mediaType":"audio","actor":"`+testRoom+"/"+a+`"}`))
	h.next("B force-muted when moderation starts", forceMuteOf(b, true, false))
	h.next("mute IQ to B", func(st *dom.Element) bool {
		return st.Attr("to") == testRoom+"/"+b && st.Child(ns.MuteAudio, "mute") != nil
	})
	h.noneSent("force-mute of the actor", forceMuteOf(a, true, false))

	h.deliver(muteIQ(b, "u1", ns.MuteAudio, b, "false"))
	if res := h.next("answer u1", isResultTo(testRoom+"/"+b, "u1")); stanza.ErrorCondition(res) != "not-allowed" {
		t.Fatalf("unmute under moderation: %s", res)
	}
	h.deliver(muteIQ(a, "u2", ns.MuteAudio, a, "false"))
	if res := h.next("answer u2", isResultTo(testRoom+"/"+a, "u2")); res.Attr("type") != "result" {
		t.Fatalf("moderator's own unmute: %s", res)
	}

	h.deliver(avNoticeMsg("avmoderation.localhost", `{"type":"av_moderation","room":"`+testRoom+`","whitelists":{"audio":["`+testRoom+"/"+b+`"]}}`))
	h.deliver(muteIQ(b, "u3", ns.MuteAudio, b, "false"))
	if res := h.next("answer u3", isResultTo(testRoom+"/"+b, "u3")); res.Attr("type") != "result" {
		t.Fatalf("approved unmute: %s", res)
	}
	h.next("B's force-mute lifted", forceMuteOf(b, false, false))

	// A third participant joining while moderation is on starts force-muted.
	h.join(t, "c@localhost")
	if ep := h.lastAlloc.Endpoints[0]; ep.ForceMute == nil || !ep.ForceMute.Audio || ep.ForceMute.Video {
		t.Errorf("late joiner's allocation: %+v", ep.ForceMute)
	}
}

func TestParseAVNotice(t *testing.T) {
	tests := []struct {
		name, body string
		ok         bool
	}{
		{"enabled", `{"type":"av_moderation","room":"r@c","enabled":true,"mediaType":"audio"}`, true},
		{"whitelists", `{"type":"av_moderation","room":"r@c","whitelists":{"audio":["r@c/x"]}}`, true},
		{"other type", `{"type":"speakerstats","room":"r@c"}`, false},
		{"no room", `{"type":"av_moderation","enabled":true}`, false},
		{"not json", `{"type":`, false},
		{"wrong types", `{"type":"av_moderation","room":"r@c","whitelists":{"audio":"x"}}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, ok := parseAVNotice(avNoticeMsg("x", tc.body)); ok != tc.ok {
				t.Errorf("ok = %v, want %v", ok, tc.ok)
			}
		})
	}
}
