package bridge

import (
	"strings"
	"testing"

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
