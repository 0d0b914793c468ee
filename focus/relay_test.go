package focus

import (
	"strings"
	"testing"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// relayTo matches a conference-modify to a bridge carrying one relay that
// check accepts.
func relayTo(bridge string, check func(colibri.Relay) bool) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		var cm colibri.ConferenceModify
		if st.Attr("to") != testBrewery+"/"+bridge || el == nil || dom.Unmarshal(el, &cm) != nil {
			return false
		}
		return len(cm.Relays) == 1 && len(cm.Endpoints) == 0 && check(cm.Relays[0])
	}
}

// allocationOn matches the endpoint allocation of nick on a bridge.
func allocationOn(bridge, nick string, create bool) func(*dom.Element) bool {
	return func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		var cm colibri.ConferenceModify
		if st.Attr("to") != testBrewery+"/"+bridge || el == nil || dom.Unmarshal(el, &cm) != nil {
			return false
		}
		return cm.Create == create && len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == nick && cm.Endpoints[0].Create
	}
}

func setupOf(r colibri.Relay) string {
	if r.Transport == nil || r.Transport.ICE == nil || len(r.Transport.ICE.Fingerprints) == 0 {
		return ""
	}
	return r.Transport.ICE.Fingerprints[0].Setup
}

// relayEndpoint finds an endpoint in a relay update.
func relayEndpoint(r colibri.Relay, id string) *colibri.Endpoint {
	if r.Endpoints == nil {
		return nil
	}
	for i := range r.Endpoints.Endpoints {
		if r.Endpoints.Endpoints[i].ID == id {
			return &r.Endpoints.Endpoints[i]
		}
	}
	return nil
}

// joinIn joins a participant whose presence names its region.
func (h *harness) joinIn(t *testing.T, bare, region string) {
	t.Helper()
	nick := nickOf(bare)
	h.conferenceIQ(t, bare+"/r")
	pres := occupantPresence(nick, bare+"/r", "none", "participant")
	pres.AddNew(ns.Client, "jitsi_participant_region").SetText(region)
	h.deliver(pres)
}

// TestRelayMesh: a participant in another region goes to a bridge there
// (not to a less loaded one of another version); the focus links the two
// bridges with a relay (initiator ICE-controlling and DTLS client, its peer
// passive), tells each relay the other side's endpoints and their sources
// as they change, and releases the second bridge when its last
// participant leaves.
func TestRelayMesh(t *testing.T) {
	h := startFocus(t)
	h.deliver(breweryPresence("jvb1", "stress_level", "0.1", "region", "eu", "relay_id", "jvb1", "version", "v1"))
	h.deliver(breweryPresence("jvb2", "stress_level", "0.3", "region", "us", "relay_id", "jvb2", "version", "v1"))
	h.deliver(breweryPresence("jvb3", "stress_level", "0.0", "region", "us", "relay_id", "jvb3", "version", "v2"))
	a, b := nickOf("a@localhost"), nickOf("b@localhost")
	h.joinIn(t, "a@localhost", "eu")
	h.next("a on jvb1", allocationOn("jvb1", a, true))
	ja := parsed(t, h.next("session-initiate to a", isJingle(testRoom+"/"+a, jingle.ActionSessionInitiate)))
	h.clientIQ(t, a, accept(t, ja.SID, 0))

	h.joinIn(t, "b@localhost", "us")
	h.next("b on jvb2, creating the conference there", allocationOn("jvb2", b, true))
	h.next("relay on jvb1 (initiator)", relayTo("jvb1", func(r colibri.Relay) bool {
		return r.ID == "jvb2" && r.Create && r.Transport != nil && r.Transport.ICEControlling == "true" && len(r.Media) > 0
	}))
	h.next("relay on jvb2 with jvb1's transport, active", relayTo("jvb2", func(r colibri.Relay) bool {
		return r.ID == "jvb1" && r.Create && r.Transport.ICEControlling == "false" && setupOf(r) == "active" &&
			len(r.Transport.ICE.WebSockets) == 0
	}))
	h.next("jvb1's relay gets jvb2's transport, passive, with its channel", relayTo("jvb1", func(r colibri.Relay) bool {
		return r.ID == "jvb2" && !r.Create && setupOf(r) == "passive" && len(r.Transport.ICE.WebSockets) == 1
	}))
	h.next("jvb2's relay learns a, its sources and its session's media", relayTo("jvb2", func(r colibri.Relay) bool {
		e := relayEndpoint(r, a)
		return e != nil && e.Sources != nil && len(e.Sources.MediaSources) > 0 && len(r.Media) > 0
	}))
	h.next("jvb1's relay learns b", relayTo("jvb1", func(r colibri.Relay) bool { return relayEndpoint(r, b) != nil }))
	jb := parsed(t, h.next("session-initiate to b", isJingle(testRoom+"/"+b, jingle.ActionSessionInitiate)))
	h.clientIQ(t, b, accept(t, jb.SID, 10000))
	h.next("b's sources reach jvb1's relay", relayTo("jvb1", func(r colibri.Relay) bool {
		e := relayEndpoint(r, b)
		return e != nil && e.Sources != nil && len(e.Sources.MediaSources) > 0
	}))
	h.noneSent("anything to the bridge of the other version", func(st *dom.Element) bool {
		return st.Attr("to") == testBrewery+"/jvb3" && st.Child(ns.Colibri2, "conference-modify") != nil
	})

	h.deliver(dom.New(ns.Client, "presence").SetAttr("type", "unavailable").SetAttr("from", testRoom+"/"+b).SetAttr("to", focusReal))
	h.next("b's endpoint expired on jvb2", func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		var cm colibri.ConferenceModify
		return st.Attr("to") == testBrewery+"/jvb2" && el != nil && dom.Unmarshal(el, &cm) == nil &&
			len(cm.Endpoints) == 1 && cm.Endpoints[0].ID == b && cm.Endpoints[0].Expire
	})
	h.next("jvb1's relay to jvb2 expired", relayTo("jvb1", func(r colibri.Relay) bool { return r.ID == "jvb2" && r.Expire }))
	h.next("the conference on jvb2 expired", func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		var cm colibri.ConferenceModify
		return st.Attr("to") == testBrewery+"/jvb2" && el != nil && dom.Unmarshal(el, &cm) == nil && cm.Expire
	})
}

// TestRelayOverload: with no regions, a participant goes to a second
// bridge only when the conference's bridge is overloaded.
func TestRelayOverload(t *testing.T) {
	h := startFocus(t)
	h.deliver(breweryPresence("jvb1", "stress_level", "0.1", "relay_id", "jvb1", "version", "v1"))
	h.deliver(breweryPresence("jvb2", "stress_level", "0.2", "relay_id", "jvb2", "version", "v1"))
	a, b, c := nickOf("a@localhost"), nickOf("b@localhost"), nickOf("c@localhost")
	h.joinIn(t, "a@localhost", "")
	h.next("a on jvb1", allocationOn("jvb1", a, true))
	h.joinIn(t, "b@localhost", "")
	h.next("b on jvb1 too", allocationOn("jvb1", b, false))
	h.deliver(breweryPresence("jvb1", "stress_level", "0.95", "relay_id", "jvb1", "version", "v1"))
	h.joinIn(t, "c@localhost", "")
	h.next("c on jvb2", allocationOn("jvb2", c, true))
	h.next("relay on jvb1", relayTo("jvb1", func(r colibri.Relay) bool { return r.ID == "jvb2" && r.Create }))
}

func TestSelectForConference(t *testing.T) {
	b := newBrewery(testAllow)
	for _, p := range [][]string{
		{"eu1", "stress_level", "0.1", "region", "eu", "relay_id", "eu1", "version", "v1"},
		{"us1", "stress_level", "0.5", "region", "us", "relay_id", "us1", "version", "v1"},
		{"us2", "stress_level", "0.0", "region", "us", "relay_id", "us2", "version", "v2"},
		{"us3", "stress_level", "0.9", "region", "us", "relay_id", "us3", "version", "v1"},
		{"ap1", "stress_level", "0.1", "region", "ap", "version", "v1"},
		{"norelay", "stress_level", "0.1", "region", "eu", "version", "v1"},
	} {
		b.update(breweryPresence(p[0], p[1:]...))
	}
	j := func(n string) string { return testBrewery + "/" + n }
	tests := []struct {
		name, region string
		conf         []string
		want         string
	}{
		{"same region as the conference", "eu", []string{j("eu1")}, j("eu1")},
		{"no region", "", []string{j("eu1")}, ""},
		{"other region: same version, not overloaded", "us", []string{j("eu1")}, j("us1")},
		{"region without a relay-capable bridge", "ap", []string{j("eu1")}, ""},
		{"first bridge without relay id", "us", []string{j("norelay")}, ""},
		{"a bridge of the conference in the region first", "eu", []string{j("us1"), j("eu1")}, j("eu1")},
		{"no conference yet", "us", nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := b.selectForConference(tc.region, tc.conf); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestPresenceRegion(t *testing.T) {
	long := strings.Repeat("x", maxRegionLen+1)
	tests := []struct {
		name, xml, old, want string
	}{
		{"region element, as lib-jitsi-meet's chat room sends it", `<presence><region xmlns="http://jitsi.org/jitsi-meet" id="us-east"/></presence>`, "", "us-east"},
		{"participant property", `<presence><jitsi_participant_region>eu</jitsi_participant_region></presence>`, "", "eu"},
		{"region element first", `<presence><jitsi_participant_region>eu</jitsi_participant_region><region xmlns="http://jitsi.org/jitsi-meet" id="us"/></presence>`, "", "us"},
		{"region element in another namespace", `<presence><region xmlns="urn:x" id="us"/></presence>`, "ap", "ap"},
		{"nothing keeps the old", `<presence/>`, "ap", "ap"},
		{"too long", `<presence><region xmlns="http://jitsi.org/jitsi-meet" id="` + long + `"/></presence>`, "ap", "ap"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			el, err := dom.Parse([]byte(tc.xml))
			if err != nil {
				t.Fatal(err)
			}
			if got := presenceRegion(el, tc.old); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestRelayBridgeGone: in a conference on two bridges, the second bridge
// leaves the brewery: only its participant is moved (session-terminate and a
// new allocation), the relay towards it is expired on the first bridge, and
// the participant on the first bridge is left alone.
func TestRelayBridgeGone(t *testing.T) {
	h := startFocus(t)
	h.deliver(breweryPresence("jvb1", "stress_level", "0.1", "region", "eu", "relay_id", "jvb1", "version", "v1"))
	h.deliver(breweryPresence("jvb2", "stress_level", "0.3", "region", "us", "relay_id", "jvb2", "version", "v1"))
	a, b := nickOf("a@localhost"), nickOf("b@localhost")
	h.joinIn(t, "a@localhost", "eu")
	h.next("a on jvb1", allocationOn("jvb1", a, true))
	ja := parsed(t, h.next("session-initiate to a", isJingle(testRoom+"/"+a, jingle.ActionSessionInitiate)))
	h.clientIQ(t, a, accept(t, ja.SID, 0))
	h.joinIn(t, "b@localhost", "us")
	h.next("b on jvb2", allocationOn("jvb2", b, true))
	jb := parsed(t, h.next("session-initiate to b", isJingle(testRoom+"/"+b, jingle.ActionSessionInitiate)))
	h.clientIQ(t, b, accept(t, jb.SID, 10000))
	h.next("b's sources reach jvb1's relay", relayTo("jvb1", func(r colibri.Relay) bool {
		e := relayEndpoint(r, b)
		return e != nil && e.Sources != nil && len(e.Sources.MediaSources) > 0
	}))

	gone := breweryPresence("jvb2")
	gone.SetAttr("type", "unavailable")
	h.deliver(gone)
	h.next("jvb1's relay to jvb2 expired", relayTo("jvb1", func(r colibri.Relay) bool { return r.ID == "jvb2" && r.Expire }))
	h.next("session-terminate to b", isJingle(testRoom+"/"+b, jingle.ActionSessionTerminate))
	h.next("b allocated again on jvb1", allocationOn("jvb1", b, false))
	h.noneSent("session-terminate to a", isJingle(testRoom+"/"+a, jingle.ActionSessionTerminate))
	h.noneSent("an expire to the bridge that left", func(st *dom.Element) bool {
		el := st.Child(ns.Colibri2, "conference-modify")
		var cm colibri.ConferenceModify
		return st.Attr("to") == testBrewery+"/jvb2" && el != nil && dom.Unmarshal(el, &cm) == nil &&
			(cm.Expire || (len(cm.Relays) == 1 && cm.Relays[0].Expire))
	})
}
