package bridge

import (
	"strings"
	"testing"

	"go.uber.org/goleak"

	"meetd/colibri"
)

// FuzzRelayChannel: whatever the other bridge sends on a relay channel,
// the relay handles it without a panic, and a message from an endpoint
// not behind the relay reaches nobody.
func FuzzRelayChannel(f *testing.F) {
	for _, s := range []string{
		`{"colibriClass":"AddReceiver","bridgeId":"jvbB","sourceName":"a-v0","videoConstraints":{"maxHeight":360}}`,
		`{"colibriClass":"AddReceiver","sourceName":"a-v0","videoConstraints":{"maxHeight":0}}`,
		`{"colibriClass":"RemoveReceiver","bridgeId":"jvbB","endpointId":"a"}`,
		`{"colibriClass":"EndpointMessage","from":"x","to":"a","msgPayload":{}}`,
		`{"colibriClass":"EndpointMessage","from":"nobody","to":""}`,
		`{"colibriClass":"DominantSpeakerEndpointChangeEvent","dominantSpeakerEndpoint":"x"}`,
		`{"colibriClass":"EndpointStats","from":"x"}`, `null`, `{`, `[]`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, eps := testConference("a", "jvbB")
		r := eps["jvbB"]
		r.relay = &relayState{remote: map[string]*colibri.Sources{"x": audioSources("x", 5)}}
		r.down.prefs = relayPrefs()
		r.onChannelMessage(msg)
		for _, m := range drain(eps["a"].msgQ) {
			if strings.Contains(m, `"from":"nobody"`) {
				t.Fatalf("message from an endpoint not behind the relay delivered: %s", m)
			}
		}
		if len(r.down.prefs.per) > maxRelayEndpoints {
			t.Fatalf("%d constraints kept", len(r.down.prefs.per))
		}
	})
}

// TestRelayRequests: the relay part of conference-modify is validated as
// Jitsi Videobridge does (one relay, no endpoints with it, a transport on
// create) and refused with the usual conditions.
func TestRelayRequests(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	_, fc, stop := startBridge(t, "")
	defer stop()
	fc.modify(t, createXML("m1", true, "e1"))
	const tr = `<transport ice-controlling="true"/>`
	rel := func(inner string) string {
		return `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1">` + inner + `</conference-modify>`
	}
	tests := []struct {
		name, req, cond string
	}{
		{"relay and endpoint together", rel(`<relay id="jvbB" create="true">` + tr + `</relay><endpoint id="e1"/>`), "bad-request"},
		{"two relays", rel(`<relay id="jvbB" create="true">` + tr + `</relay><relay id="jvbC" create="true">` + tr + `</relay>`), "bad-request"},
		{"relay without id", rel(`<relay create="true">` + tr + `</relay>`), "bad-request"},
		{"create without transport", rel(`<relay id="jvbB" create="true"/>`), "bad-request"},
		{"update of an unknown relay", rel(`<relay id="jvbX"/>`), "item-not-found"},
		{"update of an endpoint as a relay", rel(`<relay id="e1"/>`), "item-not-found"},
		{"create over an endpoint", rel(`<relay id="e1" create="true">` + tr + `</relay>`), "conflict"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			checkColibriError(t, fc.iq(t, "get", tc.req), tc.cond, "")
		})
	}
	t.Run("create, create again, expire, expire again", func(t *testing.T) {
		cm := fc.modify(t, rel(`<relay id="jvbB" create="true">`+tr+`</relay>`))
		if len(cm.Relays) != 1 || cm.Relays[0].Transport == nil || cm.Relays[0].Transport.ICE == nil ||
			cm.Relays[0].Transport.ICE.Fingerprints[0].Setup != "actpass" {
			t.Fatalf("create answer: %+v", cm.Relays)
		}
		checkColibriError(t, fc.iq(t, "get", rel(`<relay id="jvbB" create="true">`+tr+`</relay>`)), "conflict", "")
		for range 2 {
			if cm := fc.modify(t, rel(`<relay id="jvbB" expire="true"/>`)); len(cm.Relays) != 1 || !cm.Relays[0].Expire {
				t.Fatalf("expire answer: %+v", cm.Relays)
			}
		}
	})
}
