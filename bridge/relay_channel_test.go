package bridge

import (
	"strings"
	"testing"
	"time"

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

// TestRelayBadFingerprint: a relay whose peer's certificate does not match
// the signalled fingerprint never carries media, and that is all: both
// bridges go on, and a relay set up again correctly works.
func TestRelayBadFingerprint(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b := startRelayBridge(t, "jvbA"), startRelayBridge(t, "jvbB")
	defer b.stop()
	defer a.stop()
	const meeting = "m-badfp"
	ca, cb := newTestClient(t, "a0", 1001, 1010), newTestClient(t, "b0", 2001, 2010)
	defer ca.close()
	defer cb.close()
	connectLocal(t, a, meeting, true, ca, cb)
	connectLocal(t, b, meeting, true, cb, ca)
	media := relayMedia(t)
	ra := a.relayModify(t, meeting, colibri.Relay{ID: "jvbB", Create: true, Media: media,
		Transport: &colibri.Transport{ICEControlling: "true"}, Endpoints: relayEndpoints(t, cb)})
	rb := b.relayModify(t, meeting, colibri.Relay{ID: "jvbA", Create: true, Media: media,
		Transport: withSetup(ra.Relays[0].Transport, "active", "false"), Endpoints: relayEndpoints(t, ca)})
	bad := withSetup(rb.Relays[0].Transport, "passive", "true")
	bad.ICE.Fingerprints[0].Value = strings.Repeat("AB:", 31) + "AB" // not B's certificate
	a.relayModify(t, meeting, colibri.Relay{ID: "jvbB", Transport: bad})
	tx := startSender(ca, cb)
	defer tx.close()
	relayA := a.b.conference(meeting).endpoint("jvbB")
	eventually(t, "the relay's ICE connected", func() bool { return relayA.act.connected.Load() })
	time.Sleep(2 * time.Second) // DTLS takes milliseconds on loopback once ICE is up
	if relayA.srtpReady.Load() || cb.received(ca.audioSSRC) > 0 {
		t.Fatal("media crossed a relay whose fingerprint did not match")
	}
	a.relayModify(t, meeting, colibri.Relay{ID: "jvbB", Expire: true})
	b.relayModify(t, meeting, colibri.Relay{ID: "jvbA", Expire: true})
	linkRelay(t, meeting, a, b, []*testClient{ca}, []*testClient{cb})
	eventually(t, "audio over the new relay", func() bool { return cb.received(ca.audioSSRC) > 5 && ca.received(cb.audioSSRC) > 5 })
}
