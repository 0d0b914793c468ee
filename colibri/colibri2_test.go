package colibri

import (
	"strings"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const allocReq = `<conference-modify xmlns="jitsi:colibri2" meeting-id="m1" name="r@conference.localhost" create="true">
 <endpoint id="9374693a" create="true" stats-id="Flossie">
  <media type="audio"><payload-type xmlns="urn:xmpp:jingle:apps:rtp:1" id="111" name="opus" clockrate="48000" channels="2">
   <parameter name="minptime" value="10"/><rtcp-fb xmlns="urn:xmpp:jingle:apps:rtp:rtcp-fb:0" type="transport-cc"/></payload-type>
   <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="1" uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"/></media>
  <transport ice-controlling="true"><sctp/>
   <transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="u" pwd="p"><rtcp-mux/>
    <fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="active">AB:CD</fingerprint></transport></transport>
  <sources><media-source id="9374693a-v0" type="video">
   <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" name="9374693a-v0" ssrc="1" videoType="camera"/>
   <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="2"/>
   <ssrc-group xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" semantics="FID"><source ssrc="1"/><source ssrc="2"/></ssrc-group>
  </media-source></sources>
  <capability name="source-names"/><initial-last-n value="10"/>
 </endpoint></conference-modify>`

func TestConferenceModifyDecode(t *testing.T) {
	var cm ConferenceModify
	if err := dom.Unmarshal(dom.MustParse(allocReq), &cm); err != nil {
		t.Fatal(err)
	}
	if !cm.Create || cm.MeetingID != "m1" || len(cm.Endpoints) != 1 {
		t.Fatalf("conference: %+v", cm)
	}
	ep := cm.Endpoints[0]
	switch {
	case !ep.Create || !ep.HasCapability(CapSourceNames):
		t.Fatalf("endpoint flags: %+v", ep)
	case ep.Transport == nil || ep.Transport.ICE == nil || ep.Transport.SCTP == nil:
		t.Fatalf("transport: %+v", ep.Transport)
	case ep.Transport.ICE.Ufrag != "u" || ep.Transport.ICE.Fingerprints[0].Value != "AB:CD":
		t.Fatalf("ice: %+v", ep.Transport.ICE)
	case ep.Media[0].PayloadTypes[0].ID != 111 || ep.Media[0].HdrExts[0].ID != 1:
		t.Fatalf("media: %+v", ep.Media)
	case len(ep.Sources.MediaSources[0].Sources) != 2 || ep.Sources.MediaSources[0].Groups[0].Sources[1].SSRC != 2:
		t.Fatalf("sources: %+v", ep.Sources)
	case ep.InitialLastN.Value != 10:
		t.Fatalf("last-n: %+v", ep.InitialLastN)
	}
}

func TestConferenceModifiedEncode(t *testing.T) {
	resp := ConferenceModified{Endpoints: []Endpoint{{ID: "e1", Transport: &Transport{SCTP: &SCTP{Port: 5000, Role: "server"}}}}}
	e, err := dom.Marshal(resp)
	if err != nil {
		t.Fatal(err)
	}
	if !e.Is(ns.Colibri2, "conference-modified") || e.Child(ns.Colibri2, "endpoint").Child(ns.Colibri2, "transport").Child(ns.Colibri2, "sctp") == nil {
		t.Fatalf("encoded: %s", e)
	}
	if strings.Contains(e.String(), "ice-controlling") {
		t.Fatalf("empty attribute written: %s", e)
	}
}
