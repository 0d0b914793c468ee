package focus

import (
	"math"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// testAllow is the focus's default allow-list for domain localhost.
var testAllow = []string{"auth.localhost"}

// breweryPresence is a bridge's stats presence (stats as name, value pairs)
// from the account jvb@auth.localhost, as a non-anonymous brewery shows it.
func breweryPresence(nick string, stats ...string) *dom.Element {
	return breweryPresenceFrom("jvb@auth.localhost/"+nick, nick, stats...)
}

// breweryPresenceFrom is a stats presence whose muc#user item carries real
// ("" no item: a room that hides real JIDs).
func breweryPresenceFrom(real, nick string, stats ...string) *dom.Element {
	p := dom.New(ns.Client, "presence").SetAttr("from", testBrewery+"/"+nick).SetAttr("to", focusReal)
	if real != "" {
		p.AddNew(ns.MUCUser, "x").AddNew(ns.MUCUser, "item").SetAttr("jid", real).
			SetAttr("affiliation", "none").SetAttr("role", "participant")
	}
	st := p.AddNew(ns.Colibri, "stats")
	for i := 0; i+1 < len(stats); i += 2 {
		st.AddNew(ns.Colibri, "stat").SetAttr("name", stats[i]).SetAttr("value", stats[i+1])
	}
	return p
}

func TestSelectBridge(t *testing.T) {
	type br struct {
		nick  string
		stats []string
	}
	tests := []struct {
		name    string
		bridges []br
		region  string
		want    string
	}{
		{"none", nil, "", ""},
		{"least stressed", []br{{"a", []string{"stress_level", "0.5"}}, {"b", []string{"stress_level", "0.2"}}}, "", "b"},
		{"participant's region first", []br{{"a", []string{"stress_level", "0.1", "region", "us"}},
			{"b", []string{"stress_level", "0.5", "region", "eu"}}}, "eu", "b"},
		{"overloaded in region loses to another region", []br{{"a", []string{"stress_level", "0.1", "region", "us"}},
			{"b", []string{"stress_level", "0.9", "region", "eu"}}}, "eu", "a"},
		{"all overloaded: region, then stress", []br{{"a", []string{"stress_level", "0.85", "region", "us"}},
			{"b", []string{"stress_level", "0.95", "region", "eu"}}}, "eu", "b"},
		{"draining avoided", []br{{"a", []string{"stress_level", "0.1", "drain", "true"}}, {"b", []string{"stress_level", "0.7"}}}, "", "b"},
		{"shutting down never", []br{{"a", []string{"shutting_down", "true"}}}, "", ""},
		{"unhealthy never", []br{{"a", []string{"healthy", "false"}}}, "", ""},
		{"a lying stress counts as full", []br{{"a", []string{"stress_level", "-5"}}, {"b", []string{"stress_level", "NaN"}},
			{"c", []string{"stress_level", "0.9"}}, {"d", []string{"stress_level", "lots"}}}, "", "c"},
		{"a huge stress is overloaded, not a wrap-around", []br{{"a", []string{"stress_level", "1e308"}}, {"b", []string{"stress_level", "0.85"}}}, "", "b"},
		{"infinities and overflow count as full", []br{{"a", []string{"stress_level", "+Inf"}}, {"b", []string{"stress_level", "1e400"}},
			{"c", []string{"stress_level", "-Inf"}}, {"d", []string{"stress_level", "0.95"}}}, "", "d"},
		{"minus zero, hex and empty", []br{{"a", []string{"stress_level", "-0"}}, {"b", []string{"stress_level", "0x1p-2"}},
			{"c", []string{"stress_level", ""}}}, "", "a"},
		{"a repeated stat: the last counts", []br{{"a", []string{"stress_level", "0", "stress_level", "NaN"}}, {"b", []string{"stress_level", "0.5"}}}, "", "b"},
		{"ties by name", []br{{"b", []string{"stress_level", "0.3"}}, {"a", []string{"stress_level", "0.3"}}}, "", "a"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrewery(testAllow)
			for _, x := range tc.bridges {
				b.update(breweryPresence(x.nick, x.stats...))
			}
			got := b.selectBridge(tc.region)
			if want := testBrewery + "/" + tc.want; (tc.want == "" && got != "") || (tc.want != "" && got != want) {
				t.Fatalf("selected %q, want %q", got, tc.want)
			}
		})
	}
}

func TestBreweryChanges(t *testing.T) {
	gone := breweryPresence("a")
	gone.SetAttr("type", "unavailable")
	tests := []struct {
		name string
		p    *dom.Element
		want breweryChange
	}{
		{"appears", breweryPresence("a", "stress_level", "0.1"), breweryAppeared},
		{"update", breweryPresence("a", "stress_level", "0.3"), breweryNothing},
		{"shuts down gracefully: keeps its conferences", breweryPresence("a", "graceful_shutdown", "true"), breweryNothing},
		{"usable again", breweryPresence("a"), breweryAppeared},
		{"unhealthy", breweryPresence("a", "healthy", "false"), breweryGone},
		{"healthy again", breweryPresence("a"), breweryAppeared},
		{"leaves", gone, breweryGone},
		{"leaves again", gone, breweryNothing},
		{"no stats: not a bridge", dom.New(ns.Client, "presence").SetAttr("from", testBrewery+"/x"), breweryNothing},
		{"the focus itself", breweryPresence("focus"), breweryNothing},
	}
	b := newBrewery(testAllow)
	for _, tc := range tests { // in order: each step builds on the previous
		if got := b.update(tc.p); got != tc.want {
			t.Fatalf("%s: change %v, want %v", tc.name, got, tc.want)
		}
	}
}

// TestFailover: the conference's bridge leaves the brewery; every
// participant gets a session-terminate and a new session on the other
// bridge, whose conference is created afresh.
func TestFailover(t *testing.T) {
	h := startFocus(t)
	h.join(t, "a@localhost")
	h.join(t, "b@localhost")
	h.deliver(breweryPresence("jvb2", "stress_level", "0.2"))
	left := bridgePresence()
	left.SetAttr("type", "unavailable")
	h.deliver(left)
	for _, nick := range []string{nickOf("a@localhost"), nickOf("b@localhost")} {
		h.next("session-terminate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionTerminate))
		h.next("allocation on jvb2 for "+nick, func(st *dom.Element) bool {
			var cm colibri.ConferenceModify
			el := st.Child(ns.Colibri2, "conference-modify")
			if st.Attr("to") != testBrewery+"/jvb2" || el == nil || dom.Unmarshal(el, &cm) != nil {
				return false
			}
			return len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick && cm.Endpoints[0].Create
		})
		h.next("new session-initiate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionInitiate))
	}
	h.noneSent("a request to the bridge that left", func(st *dom.Element) bool {
		return st.Local == "iq" && st.Attr("to") == testBridge && st.Child(ns.Colibri2, "conference-modify") != nil
	})
}

// TestHealthCheckFailover: the conference's bridge stays in the brewery but
// stops answering (its network was cut): after two failed health checks the
// participants move to the other bridge; a bridge that answers is kept.
func TestHealthCheckFailover(t *testing.T) {
	h := startFocus(t, func(f *Focus) { f.cfg.HealthInterval = 200 * time.Millisecond })
	h.deliver(breweryPresence("jvb2", "stress_level", "0.5")) // more loaded: the call starts on jvb1
	h.join(t, "a@localhost")
	nick := nickOf("a@localhost")
	h.next("a health check that jvb2 answers", func(st *dom.Element) bool {
		return st.Attr("to") == testBrewery+"/jvb2" && st.Child(ns.Healthcheck, "healthcheck") != nil
	})
	h.mu.Lock()
	h.mute[testBridge] = true
	h.mu.Unlock()
	h.next("session-terminate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionTerminate))
	h.next("allocation on jvb2", func(st *dom.Element) bool {
		return st.Attr("to") == testBrewery+"/jvb2" && st.Child(ns.Colibri2, "conference-modify") != nil
	})
	h.next("new session-initiate to "+nick, isJingle(testRoom+"/"+nick, jingle.ActionSessionInitiate))
}

// FuzzBreweryStats: whatever stats a brewery occupant announces, the
// brewery neither panics nor selects a bridge with an unusable or negative
// stress level, and its choice is one of the announced bridges.
func FuzzBreweryStats(f *testing.F) {
	f.Add("stress_level", "0.5", "region", "eu", "eu")
	f.Add("stress_level", "NaN", "healthy", "false", "")
	f.Add("stress_level", "-1e308", "graceful_shutdown", "true", "x")
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2, region string) {
		b := newBrewery(testAllow)
		b.update(breweryPresence("a", k1, v1, k2, v2))
		b.update(breweryPresence("b", "stress_level", "0.9"))
		got := b.selectBridge(region)
		if got != testBrewery+"/a" && got != testBrewery+"/b" {
			t.Fatalf("selected %q", got)
		}
		for _, bi := range b.bridges {
			if bi.stress < 0 || math.IsNaN(bi.stress) {
				t.Fatalf("stress %v kept", bi.stress)
			}
		}
	})
}
