package colibri

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"meetd/xmpp/dom"
)

// addSeeds adds every file of testdata/<dir> to f's corpus.
func addSeeds(f *testing.F, dir string) {
	files, _ := filepath.Glob(filepath.Join("testdata", dir, "*"))
	for _, p := range files {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// FuzzChannelMessage: any bytes from a bridge channel decode without a
// panic into every message type the bridge reads, and a relayed endpoint
// message keeps the class the bridge saw, with exactly one "from" — the
// sender's — however the input duplicates keys (docs/bad-input.md#m8,
// JSA-2023-0001: the type used and the type forwarded must agree).
func FuzzChannelMessage(f *testing.F) {
	addSeeds(f, "channel")
	f.Fuzz(func(t *testing.T, msg []byte) {
		class, classErr := ClassOf(msg)
		for _, v := range []any{&ReceiverVideoConstraints{}, &LastNChangedEvent{}, &EndpointMessage{}, &ReceiverVideoConstraint{}} {
			_ = json.Unmarshal(msg, v)
		}
		out, err := RelayedEndpointMessage(msg, "sender01")
		if err != nil {
			return
		}
		var fields map[string]json.RawMessage
		if err := json.Unmarshal(out, &fields); err != nil {
			t.Fatalf("relayed message is not a JSON object: %q", out)
		}
		var from string
		if err := json.Unmarshal(fields["from"], &from); err != nil || from != "sender01" {
			t.Fatalf("relayed from %q (%v), want sender01", fields["from"], err)
		}
		if c2, err2 := ClassOf(out); classErr == nil && (err2 != nil || c2 != class) {
			t.Fatalf("class %q became %q (%v) in the relayed message %q", class, c2, err2, out)
		}
	})
}

// FuzzColibri2: any XML decodes into a conference-modify (the bridge's
// request) or a conference-modified (the focus's answer) without a panic,
// and what decodes encodes and decodes again.
func FuzzColibri2(f *testing.F) {
	addSeeds(f, "colibri2")
	f.Add([]byte(allocReq))
	f.Fuzz(func(t *testing.T, data []byte) {
		el, err := dom.Parse(data)
		if err != nil {
			return
		}
		var req ConferenceModify
		if dom.Unmarshal(el, &req) == nil {
			roundTrip(t, &req, &ConferenceModify{})
		}
		var res ConferenceModified
		if dom.Unmarshal(el, &res) == nil {
			roundTrip(t, &res, &ConferenceModified{})
		}
		for _, ep := range req.Endpoints {
			_ = ep.HasCapability("source-names")
		}
	})
}

func roundTrip(t *testing.T, v, fresh any) {
	t.Helper()
	el, err := dom.Marshal(v)
	if err != nil {
		return // a value xml cannot encode (e.g. an invalid character kept from the input)
	}
	if err := dom.Unmarshal(el, fresh); err != nil {
		t.Fatalf("encoded %s does not decode again: %v", el, err)
	}
}
