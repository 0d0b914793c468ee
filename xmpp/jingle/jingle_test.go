package jingle

import (
	"encoding/xml"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

var update = flag.Bool("update", false, "rewrite golden files in testdata")

func readJingle(t *testing.T, name string) *Jingle {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	var j Jingle
	if err := dom.Unmarshal(dom.MustParse(string(b)), &j); err != nil {
		t.Fatal(err)
	}
	return &j
}

func TestParseSessionAccept(t *testing.T) {
	j := readJingle(t, "session-accept-2021.xml")
	audio, video, data := j.Content("audio"), j.Content("video"), j.Content("data")
	tests := []struct {
		name string
		ok   bool
	}{
		{"action", j.Action == ActionSessionAccept && j.SID == "s1"},
		{"bundle", len(j.Groups) == 1 && j.Groups[0].Semantics == "BUNDLE" && len(j.Groups[0].Contents) == 3},
		{"contents", audio != nil && video != nil && data != nil},
		{"audio source", len(audio.Description.Sources) == 1 && audio.Description.Sources[0].SSRC == 1001 &&
			audio.Description.Sources[0].Params[0].Value == "stream-a track-a"},
		{"audio payload", audio.Description.PayloadTypes[0].ID == 111 && len(audio.Description.PayloadTypes[0].Params) == 2},
		{"hdrext", audio.Description.HdrExts[0].ID == 1 && audio.Description.RTCPMux != nil},
		{"video groups", len(video.Description.SSRCGroups) == 4 && video.Description.SSRCGroups[0].Semantics == "SIM" &&
			len(video.Description.SSRCGroups[0].Sources) == 3},
		{"last-n", video.InitialLastN != nil && video.InitialLastN.Value == 25},
		{"transport", audio.Transport.Ufrag == "cUfr" && audio.Transport.Fingerprints[0].Setup == "active" &&
			len(audio.Transport.Candidates) == 1 && audio.Transport.Candidates[0].Port == 50000},
		{"sctpmap", data.Description == nil && data.Transport.SCTPMap != nil && data.Transport.SCTPMap.Number == 5000},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if !tc.ok {
				t.Errorf("unexpected decode: %+v", j)
			}
		})
	}
}

func sampleInitiate() *Jingle {
	tr := &ICEUDP{Ufrag: "u1", Pwd: "p1", RTCPMux: &Empty{},
		Fingerprints: []Fingerprint{{Hash: "sha-256", Setup: "actpass", Value: "01:02"}},
		Candidates:   []Candidate{{Component: 1, Foundation: "1", IP: "127.0.0.1", Port: 10000, Priority: 1, Protocol: "udp", Type: "host", ID: "c1"}},
		WebSockets:   []WebSocket{{URL: "wss://localhost/colibri-ws/jvb1/m/e?pwd=p1"}},
	}
	data := *tr
	data.SCTPMap = &SCTPMap{Number: 5000, Protocol: "webrtc-datachannel", Streams: 1024}
	return &Jingle{
		Action: ActionSessionInitiate, SID: "s1", Initiator: "focus@auth.localhost/focus",
		Contents: []Content{
			{Name: "audio", Creator: "initiator", Senders: "both", Transport: tr, Description: &Description{
				Media: "audio", RTCPMux: &Empty{}, ExtmapAllowMixed: &AllowMixed{},
				PayloadTypes: []PayloadType{{ID: 111, Name: "opus", Clockrate: 48000, Channels: 2}},
				HdrExts:      []HdrExt{{ID: 1, URI: "urn:ietf:params:rtp-hdrext:ssrc-audio-level"}},
				Sources: []Source{{SSRC: 7, Name: "jvb-a0", Info: &SSRCInfo{Owner: "jvb"},
					Params: []Parameter{{Name: "msid", Value: "mixedmslabel mixedlabelaudio0"}}}},
			}},
			{Name: "data", Creator: "initiator", Senders: "both", Transport: &data,
				Description: &Description{Media: "application"}},
		},
		Groups:        []Group{{Semantics: "BUNDLE", Contents: []GroupContent{{Name: "audio"}, {Name: "data"}}}},
		BridgeSession: &BridgeSession{ID: "b1"},
	}
}

func TestBuildSessionInitiateGolden(t *testing.T) {
	el, err := dom.Marshal(sampleInitiate())
	if err != nil {
		t.Fatal(err)
	}
	got := el.String() + "\n"
	path := filepath.Join("testdata", "session-initiate.golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Errorf("session-initiate differs from golden:\n got %s\nwant %s", got, want)
	}
	// The elements a client needs (docs/protocols.md#session-initiate).
	for _, frag := range []string{
		`<extmap-allow-mixed xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"/><rtcp-mux/>`, `<group xmlns="urn:xmpp:jingle:apps:grouping:0" semantics="BUNDLE">`,
		`<sctpmap xmlns="urn:xmpp:jingle:transports:dtls-sctp:1" number="5000" protocol="webrtc-datachannel" streams="1024"/>`,
		`<ssrc-info xmlns="http://jitsi.org/jitmeet" owner="jvb"/>`, `setup="actpass"`,
		`<web-socket xmlns="http://jitsi.org/protocol/colibri" url=`,
	} {
		if !strings.Contains(got, frag) {
			t.Errorf("missing %s", frag)
		}
	}
}

func TestReasonRoundTrip(t *testing.T) {
	j := &Jingle{Action: ActionSessionTerminate, SID: "s", Reason: &Reason{
		Condition: ReasonCondition{XMLName: xml.Name{Space: ns.Jingle, Local: "success"}}, Text: "bye"}}
	el, err := dom.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	r := el.Child(ns.Jingle, "reason")
	if r.Child(ns.Jingle, "success") == nil || r.Child(ns.Jingle, "text").Text != "bye" {
		t.Fatalf("reason: %s", el)
	}
	var back Jingle
	if err := dom.Unmarshal(el, &back); err != nil {
		t.Fatal(err)
	}
	if back.Reason == nil || back.Reason.Condition.XMLName.Local != "success" || back.Reason.Text != "bye" {
		t.Fatalf("decoded reason: %+v", back.Reason)
	}
}
