package bridge

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// waitTimeout bounds every wait in these tests; generous for loaded CI.
const waitTimeout = 30 * time.Second

// fakeConn is an in-memory XMPP session for the bridge.
type fakeConn struct {
	in  chan *dom.Element // to the bridge
	out chan *dom.Element // from the bridge
	ids atomic.Int64
}

func newFakeConn() *fakeConn {
	return &fakeConn{in: make(chan *dom.Element, 16), out: make(chan *dom.Element, 64)}
}

func (f *fakeConn) JID() string { return "jvb@auth.localhost/jvb1" }

func (f *fakeConn) Send(ctx context.Context, st *dom.Element) error {
	select {
	case f.out <- st:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

func (f *fakeConn) Recv(ctx context.Context) (*dom.Element, error) {
	select {
	case st := <-f.in:
		return st, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// iq sends an IQ with the given payload to the bridge and returns the reply,
// skipping presences.
func (f *fakeConn) iq(t *testing.T, typ, payload string) *dom.Element {
	t.Helper()
	id := fmt.Sprintf("iq%d", f.ids.Add(1))
	iq := dom.New(ns.Client, "iq").SetAttr("type", typ).SetAttr("id", id).
		SetAttr("from", "jvbbrewery@internal.auth.localhost/focus").SetAttr("to", "jvbbrewery@internal.auth.localhost/jvb1")
	if payload != "" {
		iq.Add(dom.MustParse(payload))
	}
	f.in <- iq
	deadline := time.After(waitTimeout)
	for {
		select {
		case st := <-f.out:
			if st.Local == "iq" && st.Attr("id") == id {
				return st
			}
		case <-deadline:
			t.Fatalf("no reply to %s", id)
		}
	}
}

// modify sends a conference-modify and decodes a successful answer.
func (f *fakeConn) modify(t *testing.T, payload string) *colibri.ConferenceModified {
	t.Helper()
	r := f.iq(t, "get", payload)
	if r.Attr("type") != "result" {
		t.Fatalf("colibri2 error: %s", r)
	}
	var cm colibri.ConferenceModified
	if err := dom.Unmarshal(r.Child(ns.Colibri2, "conference-modified"), &cm); err != nil {
		t.Fatal(err)
	}
	return &cm
}

// startBridge runs a loopback bridge with a fake XMPP session.
func startBridge(t *testing.T, wsURL string) (*Bridge, *fakeConn, func()) {
	t.Helper()
	lvl := slog.LevelWarn
	if os.Getenv("BRIDGE_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	b, err := New(Config{ID: "jvb1", UDPListen: "127.0.0.1:0", WebSocketURL: wsURL, AllowLocalCandidates: true,
		BreweryRoom: "jvbbrewery@internal.auth.localhost",
		Logger:      slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl}))})
	if err != nil {
		t.Fatal(err)
	}
	fc := newFakeConn()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, fc) }()
	stop := func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	}
	return b, fc, stop
}

// mediaXML is the focus's offer: opus, VP8 + RTX, mid and TWCC extensions.
const mediaXML = `<media type="audio">
 <payload-type xmlns="urn:xmpp:jingle:apps:rtp:1" id="111" name="opus" clockrate="48000" channels="2"/>
 <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="1" uri="urn:ietf:params:rtp-hdrext:ssrc-audio-level"/>
 <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="10" uri="urn:ietf:params:rtp-hdrext:sdes:mid"/>
 <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="5" uri="http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"/>
</media><media type="video">
 <payload-type xmlns="urn:xmpp:jingle:apps:rtp:1" id="100" name="VP8" clockrate="90000"/>
 <payload-type xmlns="urn:xmpp:jingle:apps:rtp:1" id="96" name="rtx" clockrate="90000"><parameter name="apt" value="100"/></payload-type>
 <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="10" uri="urn:ietf:params:rtp-hdrext:sdes:mid"/>
 <rtp-hdrext xmlns="urn:xmpp:jingle:apps:rtp:rtp-hdrext:0" id="5" uri="http://www.ietf.org/id/draft-holmer-rmcat-transport-wide-cc-extensions-01"/>
</media>`

// sourcesXML describes an endpoint's audio SSRC and a simulcast video source
// whose first layer is video (the only one a pion client actually sends).
func sourcesXML(id string, audio, video uint32) string {
	return fmt.Sprintf(`<sources>
 <media-source type="audio" id="%[1]s-a0"><source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%[2]d" name="%[1]s-a0"/></media-source>
 <media-source type="video" id="%[1]s-v0">
  <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%[3]d" name="%[1]s-v0"/>
  <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%[4]d" name="%[1]s-v0"/>
  <source xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" ssrc="%[5]d" name="%[1]s-v0"/>
  <ssrc-group xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" semantics="SIM"><source ssrc="%[3]d"/><source ssrc="%[4]d"/></ssrc-group>
  <ssrc-group xmlns="urn:xmpp:jingle:apps:rtp:ssma:0" semantics="FID"><source ssrc="%[3]d"/><source ssrc="%[5]d"/></ssrc-group>
 </media-source></sources>`, id, audio, video, video+1, video+2)
}

// createXML allocates endpoints (create=true) in a new or existing conference.
func createXML(meeting string, createConf bool, eps ...string) string {
	var b strings.Builder
	fmt.Fprintf(&b, `<conference-modify xmlns="jitsi:colibri2" meeting-id="%s" name="room@conference.localhost"`, meeting)
	if createConf {
		b.WriteString(` create="true"`)
	}
	b.WriteString(">")
	for _, ep := range eps {
		fmt.Fprintf(&b, `<endpoint id="%s" create="true" stats-id="%s">%s<transport ice-controlling="true"><sctp/></transport>
<capability name="source-names"/></endpoint>`, ep, ep, mediaXML)
	}
	b.WriteString("</conference-modify>")
	return b.String()
}

// updateXML pushes the client's transport and sources, as the focus does
// after session-accept.
func updateXML(meeting, ep, ufrag, pwd, fp, candidates string, audio, video uint32) string {
	return fmt.Sprintf(`<conference-modify xmlns="jitsi:colibri2" meeting-id="%s"><endpoint id="%s">
<transport><transport xmlns="urn:xmpp:jingle:transports:ice-udp:1" ufrag="%s" pwd="%s"><rtcp-mux/>
<fingerprint xmlns="urn:xmpp:jingle:apps:dtls:0" hash="sha-256" setup="active">%s</fingerprint>%s</transport></transport>
%s</endpoint></conference-modify>`, meeting, ep, ufrag, pwd, fp, candidates, sourcesXML(ep, audio, video))
}
