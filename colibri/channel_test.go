package colibri

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestClassOf(t *testing.T) {
	cases := []struct {
		msg, class string
		err        bool
	}{
		{`{"colibriClass":"ClientHello"}`, ClassClientHello, false},
		{`{"colibriClass":"EndpointMessage","to":"","msgPayload":{}}`, ClassEndpointMessage, false},
		{`{"to":"x"}`, "", true},
		{`[1,2]`, "", true},
		{`{"colibriClass":`, "", true},
	}
	for _, tc := range cases {
		t.Run(tc.msg, func(t *testing.T) {
			got, err := ClassOf([]byte(tc.msg))
			if got != tc.class || (err != nil) != tc.err {
				t.Fatalf("ClassOf = %q, %v", got, err)
			}
		})
	}
	if _, err := ClassOf([]byte(`{}`)); !errors.Is(err, ErrNoClass) {
		t.Fatalf("want ErrNoClass, got %v", err)
	}
}

func TestRelayedEndpointMessage(t *testing.T) {
	out, err := RelayedEndpointMessage([]byte(`{"colibriClass":"EndpointMessage","to":"b","from":"spoof","msgPayload":{"n":[1,2]}}`), "a")
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatal(err)
	}
	if m["from"] != "a" || m["to"] != "b" || m["colibriClass"] != ClassEndpointMessage || m["msgPayload"] == nil {
		t.Fatalf("relayed: %s", out)
	}
	if _, err := RelayedEndpointMessage([]byte(`"str"`), "a"); err == nil {
		t.Fatal("non-object accepted")
	}
}

func TestReceiverVideoConstraintsDecode(t *testing.T) {
	var m ReceiverVideoConstraints
	msg := `{"colibriClass":"ReceiverVideoConstraints","lastN":0,"onStageSources":["a-v0"],"defaultConstraints":{"maxHeight":180},"constraints":{"a-v0":{"maxHeight":720}},"unknown":1}`
	if err := json.Unmarshal([]byte(msg), &m); err != nil {
		t.Fatal(err)
	}
	if m.LastN == nil || *m.LastN != 0 || m.DefaultConstraints.MaxHeight != 180 || m.Constraints["a-v0"].MaxHeight != 720 {
		t.Fatalf("decoded %+v", m)
	}
}

func TestBridgeMessages(t *testing.T) {
	cases := []struct {
		name string
		msg  any
		want string
	}{
		{"forwarded sources, none", NewForwardedSources(nil), `{"colibriClass":"ForwardedSources","forwardedSources":[]}`},
		{"forwarded endpoints", NewLastNEndpointsChangeEvent([]string{"a"}), `{"colibriClass":"LastNEndpointsChangeEvent","lastNEndpoints":["a"]}`},
		{"sender source constraints", NewSenderSourceConstraints("a-v0", 0), `{"colibriClass":"SenderSourceConstraints","sourceName":"a-v0","maxHeight":0}`},
		{"sender video constraints", NewSenderVideoConstraints(720), `{"colibriClass":"SenderVideoConstraints","videoConstraints":{"idealHeight":720}}`},
		{"dominant speaker", NewDominantSpeakerEvent("a", nil, false),
			`{"colibriClass":"DominantSpeakerEndpointChangeEvent","dominantSpeakerEndpoint":"a","previousSpeakers":[],"silence":false}`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b, err := json.Marshal(tc.msg)
			if err != nil || string(b) != tc.want {
				t.Fatalf("got %s %v, want %s", b, err, tc.want)
			}
		})
	}
}
