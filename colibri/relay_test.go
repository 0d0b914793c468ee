package colibri

import (
	"encoding/json"
	"testing"

	"meetd/xmpp/dom"
)

const relayReq = `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1"><relay id="jvb-b" mesh-id="0" create="true">
<media type="video"><payload-type xmlns="urn:xmpp:jingle:apps:rtp:1" id="100" name="VP8" clockrate="90000"/></media>
<transport ice-controlling="true" use-unique-port="true"><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="uf" pwd="pw">
<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="passive">AB:CD</fingerprint>
<candidate component="1" foundation="1" generation="0" id="c1" ip="127.0.0.1" network="0" port="10000" priority="1" protocol="udp" type="host"/>
<web-socket xmlns="http://jitsi.org/protocol/colibri" url="wss://b.example/colibri-ws/jvb-b/m1/jvb-a?pwd=x"/></transport></transport>
<endpoints><endpoint id="abcd1234" create="true" stats-id="Alice"><sources><media-source type="video" id="abcd1234-v0">
<source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="7"/></media-source></sources></endpoint>
<endpoint id="ffff0000" expire="true"/></endpoints></relay></conference-modify>`

func TestRelayElement(t *testing.T) {
	var req ConferenceModify
	if err := dom.Unmarshal(dom.MustParse(relayReq), &req); err != nil {
		t.Fatal(err)
	}
	if len(req.Relays) != 1 {
		t.Fatalf("relays: %+v", req.Relays)
	}
	r := req.Relays[0]
	tr := r.Transport
	checks := []struct {
		name string
		ok   bool
	}{
		{"id, mesh-id, create", r.ID == "jvb-b" && r.MeshID == "0" && r.Create && !r.Expire},
		{"media", len(r.Media) == 1 && r.Media[0].PayloadTypes[0].Name == "VP8"},
		{"transport attributes", tr != nil && tr.ICEControlling == "true" && tr.UseUniquePort},
		{"ice credentials", tr.ICE != nil && tr.ICE.Ufrag == "uf" && tr.ICE.Pwd == "pw"},
		{"fingerprint and setup", len(tr.ICE.Fingerprints) == 1 && tr.ICE.Fingerprints[0].Setup == "passive"},
		{"candidates", len(tr.ICE.Candidates) == 1 && tr.ICE.Candidates[0].Port == 10000},
		{"web socket", len(tr.ICE.WebSockets) == 1},
		{"endpoints", r.Endpoints != nil && len(r.Endpoints.Endpoints) == 2},
		{"endpoint sources", r.Endpoints.Endpoints[0].Sources.MediaSources[0].Sources[0].SSRC == 7},
		{"endpoint expire", r.Endpoints.Endpoints[1].Expire},
	}
	for _, c := range checks {
		t.Run(c.name, func(t *testing.T) {
			if !c.ok {
				t.Errorf("%s wrong: %+v", c.name, r)
			}
		})
	}
	el, err := dom.Marshal(&ConferenceModified{Relays: []Relay{{ID: "jvb-b", Transport: tr}}})
	if err != nil {
		t.Fatal(err)
	}
	var back ConferenceModified
	if err := dom.Unmarshal(el, &back); err != nil || len(back.Relays) != 1 || back.Relays[0].Transport.ICE.Ufrag != "uf" {
		t.Fatalf("answer round trip: %v %+v", err, back)
	}
}

func TestRelayMessages(t *testing.T) {
	tests := []struct {
		name   string
		msg    string
		add    bool
		ok     bool
		height int
	}{
		{"add", `{"colibriClass":"AddReceiver","bridgeId":"b","sourceName":"e-v0","videoConstraints":{"maxHeight":360}}`, true, true, 360},
		{"add without constraints is unlimited", `{"colibriClass":"AddReceiver","sourceName":"e-v0"}`, true, true, -1},
		{"add negative height clamps", `{"colibriClass":"AddReceiver","sourceName":"e-v0","videoConstraints":{"maxHeight":-50}}`, true, true, -1},
		{"add huge height clamps", `{"colibriClass":"AddReceiver","sourceName":"e-v0","videoConstraints":{"maxHeight":99999999}}`, true, true, 1 << 16},
		{"add without source", `{"colibriClass":"AddReceiver","bridgeId":"b"}`, true, false, 0},
		{"add wrong class", `{"colibriClass":"RemoveReceiver","sourceName":"e-v0"}`, true, false, 0},
		{"add null", `null`, true, false, 0},
		{"add not json", `{`, true, false, 0},
		{"remove", `{"colibriClass":"RemoveReceiver","bridgeId":"b","endpointId":"e"}`, false, true, 0},
		{"remove without endpoint", `{"colibriClass":"RemoveReceiver","bridgeId":"b"}`, false, false, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var err error
			var h int
			if tc.add {
				var m AddReceiver
				m, err = ParseAddReceiver([]byte(tc.msg))
				if err == nil {
					h = m.VideoConstraints.MaxHeight
				}
			} else {
				_, err = ParseRemoveReceiver([]byte(tc.msg))
			}
			if (err == nil) != tc.ok || h != tc.height {
				t.Fatalf("err %v height %d, want ok=%v height %d", err, h, tc.ok, tc.height)
			}
		})
	}
	out, _ := json.Marshal(NewAddReceiver("jvb-a", "e-v0", 180))
	if m, err := ParseAddReceiver(out); err != nil || m.BridgeID != "jvb-a" || m.VideoConstraints.MaxHeight != 180 {
		t.Fatalf("NewAddReceiver does not parse back: %s %v", out, err)
	}
}

// FuzzRelayMessage: any bytes from a relay bridge channel parse without a
// panic, and what parses satisfies the checks the bridge relies on.
func FuzzRelayMessage(f *testing.F) {
	addSeeds(f, "relaychannel")
	f.Fuzz(func(t *testing.T, msg []byte) {
		if m, err := ParseAddReceiver(msg); err == nil {
			if m.SourceName == "" || len(m.SourceName) > maxRelayName || m.VideoConstraints == nil ||
				m.VideoConstraints.MaxHeight < -1 || m.VideoConstraints.MaxHeight > 1<<16 {
				t.Fatalf("accepted %+v", m)
			}
		}
		if m, err := ParseRemoveReceiver(msg); err == nil && (m.EndpointID == "" || len(m.EndpointID) > maxRelayName) {
			t.Fatalf("accepted %+v", m)
		}
	})
}
