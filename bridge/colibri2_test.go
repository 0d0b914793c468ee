package bridge

import (
	"testing"

	"go.uber.org/goleak"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func checkColibriError(t *testing.T, r *dom.Element, cond, reason string) {
	t.Helper()
	e := r.Child(ns.Client, "error")
	if r.Attr("type") != "error" || e.Child(ns.StanzaErr, cond) == nil {
		t.Fatalf("want %s error, got %s", cond, r)
	}
	if got := e.Child(ns.Colibri2, "error").Attr("reason"); got != reason {
		t.Fatalf("reason %q, want %q in %s", got, reason, r)
	}
}

func TestColibriErrors(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, fc, stop := startBridge(t, "")
	defer stop()
	fc.modify(t, createXML("m1", true, "e1"))

	cases := []struct {
		name, payload, cond, reason string
	}{
		{"unknown meeting", `<conference-modify xmlns="jitsi:colibri2" meeting-id="nope"><endpoint id="e1"/></conference-modify>`,
			"item-not-found", colibri.ReasonConferenceNotFound},
		{"unknown endpoint", `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><endpoint id="zz"><force-mute audio="true" video="true"/></endpoint></conference-modify>`,
			"item-not-found", colibri.ReasonUnknownEndpoint},
		{"conference exists", createXML("m1", true, "e2"), "conflict", colibri.ReasonConferenceExists},
		{"endpoint exists", createXML("m1", false, "e1"), "conflict", ""},
		{"create without transport", `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><endpoint id="e3" create="true"/></conference-modify>`,
			"bad-request", ""},
		{"no meeting-id", `<conference-modify xmlns="jitsi:colibri2"/>`, "bad-request", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			checkColibriError(t, fc.iq(t, "get", tc.payload), tc.cond, tc.reason)
		})
	}
	t.Run("unknown endpoint names the endpoint", func(t *testing.T) {
		r := fc.iq(t, "set", cases[1].payload)
		if r.Child(ns.Client, "error").Child(ns.Colibri2, "error").Child(ns.Colibri2, "endpoint").Attr("id") != "zz" {
			t.Fatalf("no endpoint in error: %s", r)
		}
	})
	t.Run("healthcheck", func(t *testing.T) {
		r := fc.iq(t, "get", `<healthcheck xmlns="http://jitsi.org/protocol/healthcheck"/>`)
		if r.Attr("type") != "result" || r.Attr("to") != "jvbbrewery@internal.auth.localhost/focus" {
			t.Fatalf("healthcheck: %s", r)
		}
	})
	t.Run("unknown iq", func(t *testing.T) {
		if r := fc.iq(t, "get", `<query xmlns="urn:example"/>`); r.Attr("type") != "error" {
			t.Fatalf("unknown iq: %s", r)
		}
	})
	t.Run("expire last endpoint expires conference", func(t *testing.T) {
		fc.modify(t, `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><endpoint id="e1" expire="true"/></conference-modify>`)
		r := fc.iq(t, "get", `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><endpoint id="e1"/></conference-modify>`)
		checkColibriError(t, r, "item-not-found", colibri.ReasonConferenceNotFound)
	})
}

func TestBreweryPresence(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, fc, stop := startBridge(t, "")
	defer stop()
	p := <-fc.out
	if p.Local != "presence" || p.Attr("to") != "jvbbrewery@internal.auth.localhost/jvb1" {
		t.Fatalf("join presence: %s", p)
	}
	if p.Child(ns.MUC, "x") == nil {
		t.Fatalf("no MUC x: %s", p)
	}
	stats := map[string]string{}
	for _, s := range p.Child(ns.Colibri, "stats").ChildrenNamed(ns.Colibri, "stat") {
		stats[s.Attr("name")] = s.Attr("value")
	}
	if stats["drain"] != "false" || stats["healthy"] != "true" || stats["stress_level"] == "" {
		t.Fatalf("stats: %v", stats)
	}
}
