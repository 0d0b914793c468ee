package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtcp"
	"go.uber.org/goleak"

	"meetd/colibri"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
)

// relayBridge is one of the two bridges of a relay test, with its fake
// focus session and its HTTP server for the bridge channels.
type relayBridge struct {
	id   string
	b    *Bridge
	fc   *fakeConn
	srv  *httptest.Server
	stop func()
}

func startRelayBridge(t *testing.T, id string) *relayBridge {
	t.Helper()
	rb := &relayBridge{id: id, fc: newFakeConn()}
	mux := http.NewServeMux()
	rb.srv = httptest.NewServer(mux)
	lvl := slog.LevelWarn
	if os.Getenv("BRIDGE_DEBUG") != "" {
		lvl = slog.LevelDebug
	}
	b, err := New(Config{ID: id, UDPListen: "127.0.0.1:0", AllowLocalCandidates: true,
		WebSocketURL: "ws://" + rb.srv.Listener.Addr().String() + "/colibri-ws/" + id,
		BreweryRoom:  "jvbbrewery@internal.auth.localhost",
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: lvl})).With("bridge", id)})
	if err != nil {
		t.Fatal(err)
	}
	rb.b = b
	mux.Handle("/colibri-ws/", b.WebSocketHandler())
	mux.Handle("/colibri-relay-ws/", b.WebSocketHandler())
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.Run(ctx, rb.fc) }()
	rb.stop = func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("Run: %v", err)
		}
		if err := b.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		rb.srv.Close()
	}
	return rb
}

// relayModify sends a conference-modify carrying one relay.
func (rb *relayBridge) relayModify(t *testing.T, meeting string, r colibri.Relay) *colibri.ConferenceModified {
	t.Helper()
	el, err := dom.Marshal(&colibri.ConferenceModify{MeetingID: meeting, Relays: []colibri.Relay{r}})
	if err != nil {
		t.Fatal(err)
	}
	return rb.fc.modify(t, el.String())
}

// relayMedia is mediaXML as colibri types (the relay carries the
// conference's full media).
func relayMedia(t *testing.T) []colibri.Media {
	t.Helper()
	var ep colibri.Endpoint
	if err := dom.Unmarshal(dom.MustParse(`<endpoint xmlns="jitsi:colibri2" id="x">`+mediaXML+`</endpoint>`), &ep); err != nil {
		t.Fatal(err)
	}
	return ep.Media
}

// relayEndpoints are the colibri2 endpoints (with sources) of clients.
func relayEndpoints(t *testing.T, cls ...*testClient) *colibri.RelayEndpoints {
	t.Helper()
	out := &colibri.RelayEndpoints{}
	for _, cl := range cls {
		var ep colibri.Endpoint
		src := fmt.Sprintf(`<endpoint xmlns="jitsi:colibri2" id="%s" create="true">%s</endpoint>`,
			cl.id, sourcesXML(cl.id, cl.audioSSRC, cl.videoSSRC))
		if err := dom.Unmarshal(dom.MustParse(src), &ep); err != nil {
			t.Fatal(err)
		}
		out.Endpoints = append(out.Endpoints, ep)
	}
	return out
}

// withSetup is a bridge's relay transport as the focus passes it to the
// other bridge: the fingerprint's setup chosen (actpass is rewritten).
func withSetup(tr *colibri.Transport, setup, controlling string) *colibri.Transport {
	ice := *tr.ICE
	ice.Fingerprints = append([]jingle.Fingerprint(nil), ice.Fingerprints...)
	for i := range ice.Fingerprints {
		ice.Fingerprints[i].Setup = setup
	}
	return &colibri.Transport{ICEControlling: controlling, ICE: &ice}
}

// connectLocal allocates a client on a bridge and connects it; remotes are
// the clients of the other bridge, which it is told about as the focus
// would (their sources in its session).
func connectLocal(t *testing.T, rb *relayBridge, meeting string, create bool, cl *testClient, remotes ...*testClient) {
	t.Helper()
	cm := rb.fc.modify(t, createXML(meeting, create, cl.id))
	var rs []remoteSource
	for _, o := range remotes {
		rs = append(rs, remoteSource{owner: o.id, audio: o.audioSSRC, video: o.videoSSRC})
	}
	ufrag, pwd, fp := cl.answer(cm.Endpoints[0].Transport, rs)
	rb.fc.modify(t, updateXML(meeting, cl.id, ufrag, pwd, fp, "", cl.audioSSRC, cl.videoSSRC))
}

// linkRelay builds the relay between two bridges as the focus does: the
// initiator a is ICE-controlling and DTLS client and dials b's channel.
func linkRelay(t *testing.T, meeting string, a, b *relayBridge, onA, onB []*testClient) {
	t.Helper()
	media := relayMedia(t)
	ra := a.relayModify(t, meeting, colibri.Relay{ID: b.id, MeshID: "0", Create: true, Media: media,
		Transport: &colibri.Transport{ICEControlling: "true"}, Endpoints: relayEndpoints(t, onB...)})
	trA := ra.Relays[0].Transport
	rbm := b.relayModify(t, meeting, colibri.Relay{ID: a.id, MeshID: "0", Create: true, Media: media,
		Transport: withSetup(trA, "active", "false"), Endpoints: relayEndpoints(t, onA...)})
	trB := rbm.Relays[0].Transport
	if trB == nil || trB.ICE == nil || len(trB.ICE.WebSockets) != 1 || len(trB.ICE.Candidates) == 0 {
		t.Fatalf("relay transport of %s: %+v", b.id, trB)
	}
	upd := withSetup(trB, "passive", "true")
	upd.ICE.WebSockets = trB.ICE.WebSockets
	a.relayModify(t, meeting, colibri.Relay{ID: b.id, Transport: upd})
}

// sender transmits from a set of clients every 20 ms and counts.
type sender struct {
	on   atomic.Pointer[[]*testClient]
	sent atomic.Int64 // packets written by clients
	stop chan struct{}
	done chan struct{}
}

func startSender(cls ...*testClient) *sender {
	s := &sender{stop: make(chan struct{}), done: make(chan struct{})}
	s.set(cls...)
	go func() {
		defer close(s.done)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for seq := uint16(0); ; seq++ {
			select {
			case <-s.stop:
				return
			case <-tick.C:
				for _, cl := range *s.on.Load() {
					cl.send(seq)
					s.sent.Add(2)
				}
			}
		}
	}()
	return s
}

func (s *sender) set(cls ...*testClient) { s.on.Store(&cls) }
func (s *sender) close()                 { close(s.stop); <-s.done }

// relayPrefsOf reads the constraint a relay's receiver side has for a source.
func relayPrefsOf(rb *relayBridge, meeting, relayID, source string) (constraint, bool) {
	c := rb.b.conference(meeting)
	if c == nil {
		return constraint{}, false
	}
	e := c.endpoint(relayID)
	if e == nil {
		return constraint{}, false
	}
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	k, ok := e.down.prefs.per[source]
	return k, ok
}

// TestRelayTwoBridges: two bridges in this process linked by a relay over
// loopback, a pion client on A and two on B. Media crosses the relay both
// ways, B's receivers' constraints reach A (AddReceiver), A sends each of
// its sources once over the relay however many receivers B has, a
// keyframe request crosses back to the sender, endpoint messages and the
// dominant speaker are relayed.
func TestRelayTwoBridges(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b := startRelayBridge(t, "jvbA"), startRelayBridge(t, "jvbB")
	defer b.stop()
	defer a.stop()
	const meeting = "m-relay"
	ca := newTestClient(t, "a0", 1001, 1010)
	cb0 := newTestClient(t, "b0", 2001, 2010)
	cb1 := newTestClient(t, "b1", 3001, 3010)
	defer ca.close()
	defer cb0.close()
	defer cb1.close()
	connectLocal(t, a, meeting, true, ca, cb0, cb1)
	connectLocal(t, b, meeting, true, cb0, ca, cb1)
	connectLocal(t, b, meeting, false, cb1, ca, cb0)
	linkRelay(t, meeting, a, b, []*testClient{ca}, []*testClient{cb0, cb1})
	for _, cl := range []*testClient{ca, cb0, cb1} {
		cl.waitConnected()
	}
	tx := startSender(ca, cb0, cb1)
	defer tx.close()

	t.Run("media both ways", func(t *testing.T) {
		for _, p := range []struct{ rx, tx *testClient }{{cb0, ca}, {cb1, ca}, {ca, cb0}, {ca, cb1}, {cb0, cb1}} {
			eventually(t, p.rx.id+" audio from "+p.tx.id, func() bool { return p.rx.received(p.tx.audioSSRC) > 5 })
			eventually(t, p.rx.id+" video from "+p.tx.id, func() bool { return p.rx.received(p.tx.videoSSRC) > 5 })
		}
	})
	t.Run("one copy per source per relay", func(t *testing.T) {
		tx.set(ca) // only A's client sends: everything A forwards goes to the relay
		time.Sleep(300 * time.Millisecond)
		f0, s0 := a.b.Stats().Forwarded, tx.sent.Load()
		fb0 := b.b.Stats().Forwarded
		time.Sleep(2 * time.Second)
		fa, sent, fb := a.b.Stats().Forwarded-f0, tx.sent.Load()-s0, b.b.Stats().Forwarded-fb0
		t.Logf("client on A sent %d packets; A forwarded %d (over the relay), B forwarded %d (to 2 receivers)", sent, fa, fb)
		if float64(fa) > 1.2*float64(sent) || float64(fa) < 0.5*float64(sent) {
			t.Fatalf("A forwarded %d packets for %d sent: not one copy per source", fa, sent)
		}
		if float64(fb) < 1.5*float64(fa) {
			t.Fatalf("B forwarded %d packets for %d relayed to its 2 receivers", fb, fa)
		}
		tx.set(ca, cb0, cb1)
	})
	t.Run("receiver constraints reach the other bridge", func(t *testing.T) {
		eventually(t, "A relays a0-v0 for B", func() bool { k, ok := relayPrefsOf(a, meeting, "jvbB", "a0-v0"); return ok && k.maxHeight > 0 })
		for _, cl := range []*testClient{cb0, cb1} {
			must(t, cl.dc.SendText(`{"colibriClass":"ReceiverVideoConstraints","constraints":{"a0-v0":{"maxHeight":0}}}`))
		}
		eventually(t, "A stops relaying a0-v0", func() bool { _, ok := relayPrefsOf(a, meeting, "jvbB", "a0-v0"); return !ok })
		time.Sleep(300 * time.Millisecond)
		v := cb0.received(ca.videoSSRC)
		au := cb0.received(ca.audioSSRC)
		eventually(t, "audio goes on", func() bool { return cb0.received(ca.audioSSRC) > au+10 })
		if n := cb0.received(ca.videoSSRC); n > v+2 {
			t.Fatalf("video still relayed after both receivers asked for none: %d -> %d", v, n)
		}
		must(t, cb1.dc.SendText(`{"colibriClass":"ReceiverVideoConstraints","constraints":{"a0-v0":{"maxHeight":360}}}`))
		eventually(t, "A relays a0-v0 again", func() bool { k, ok := relayPrefsOf(a, meeting, "jvbB", "a0-v0"); return ok && k.maxHeight > 0 })
		v1 := cb1.received(ca.videoSSRC)
		eventually(t, "video back at b1", func() bool { return cb1.received(ca.videoSSRC) > v1+5 })
	})
	t.Run("keyframe request crosses the relay", func(t *testing.T) {
		before := ca.pliReceived.Load()
		eventually(t, "PLI at the sender on A", func() bool {
			_ = cb1.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: ca.videoSSRC}})
			return ca.pliReceived.Load() > before
		})
	})
	t.Run("endpoint messages cross the relay", func(t *testing.T) {
		ca.waitMessage(colibri.ClassServerHello)
		cb0.waitMessage(colibri.ClassServerHello)
		must(t, ca.dc.SendText(`{"colibriClass":"EndpointMessage","to":"b0","msgPayload":{"x":1}}`))
		m := cb0.waitMessage(colibri.ClassEndpointMessage)
		var got struct {
			From    string         `json:"from"`
			Payload map[string]int `json:"msgPayload"`
		}
		if json.Unmarshal([]byte(m), &got) != nil || got.From != "a0" || got.Payload["x"] != 1 {
			t.Fatalf("relayed message: %s", m)
		}
		must(t, cb1.dc.SendText(`{"colibriClass":"EndpointMessage","to":"","msgPayload":{"y":2}}`))
		m = ca.waitMessage(`"y":2`)
		if json.Unmarshal([]byte(m), &got) != nil || got.From != "b1" {
			t.Fatalf("broadcast over the relay: %s", m)
		}
	})
	t.Run("garbage on the relay channel ends nothing", func(t *testing.T) {
		e := b.b.conference(meeting).endpoint("jvbA")
		for _, m := range []string{`{`, `null`, `{"colibriClass":"AddReceiver"}`, `{"colibriClass":"EndpointMessage","from":"nobody"}`,
			`{"colibriClass":"RemoveReceiver","endpointId":"b0"}`, `{"colibriClass":"Nonsense"}`} {
			e.onChannelMessage([]byte(m))
		}
		au := ca.received(cb0.audioSSRC)
		eventually(t, "media goes on", func() bool { return ca.received(cb0.audioSSRC) > au+10 })
	})
	t.Run("a relay's channel only on the relay path", func(t *testing.T) {
		e := b.b.conference(meeting).endpoint("jvbA")
		base := "ws://" + b.srv.Listener.Addr().String()
		for path, want := range map[string]int{
			"/colibri-ws/jvbB/" + meeting + "/jvbA?pwd=" + e.wsPwd:                                          http.StatusNotFound,
			"/colibri-relay-ws/jvbB/" + meeting + "/b0?pwd=" + b.b.conference(meeting).endpoint("b0").wsPwd: http.StatusNotFound,
			"/colibri-relay-ws/jvbB/" + meeting + "/jvbA?pwd=wrong":                                         http.StatusUnauthorized,
		} {
			conn, resp, err := websocket.DefaultDialer.Dial(base+path, nil)
			if err == nil {
				_ = conn.Close()
			}
			if resp == nil || resp.StatusCode != want {
				t.Errorf("%s: %v, want %d", path[:strings.Index(path, "?")], resp, want)
			}
		}
	})
	t.Run("expire relay", func(t *testing.T) {
		cm := a.relayModify(t, meeting, colibri.Relay{ID: "jvbB", Expire: true})
		if len(cm.Relays) != 1 || !cm.Relays[0].Expire || a.b.conference(meeting).endpoint("jvbB") != nil {
			t.Fatalf("expire: %+v", cm.Relays)
		}
		if a.b.conference(meeting).endpoint("a0") == nil {
			t.Fatal("local endpoint gone with the relay")
		}
	})
}

// TestRelayMesh: three bridges, one client on each, every pair linked
// (the focus's full mesh). Every client gets the other two's media; a
// source crosses each relay once and is never sent on from the bridge it
// was relayed to: with only A's client sending, A forwards two copies
// (one per relay) and B and C one each (to their own client).
func TestRelayMesh(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b, c := startRelayBridge(t, "jvbA"), startRelayBridge(t, "jvbB"), startRelayBridge(t, "jvbC")
	defer c.stop()
	defer b.stop()
	defer a.stop()
	const meeting = "m-mesh"
	ca, cb, cc := newTestClient(t, "a0", 1001, 1010), newTestClient(t, "b0", 2001, 2010), newTestClient(t, "c0", 3001, 3010)
	defer ca.close()
	defer cb.close()
	defer cc.close()
	connectLocal(t, a, meeting, true, ca, cb, cc)
	connectLocal(t, b, meeting, true, cb, ca, cc)
	connectLocal(t, c, meeting, true, cc, ca, cb)
	linkRelay(t, meeting, a, b, []*testClient{ca}, []*testClient{cb})
	linkRelay(t, meeting, a, c, []*testClient{ca}, []*testClient{cc})
	linkRelay(t, meeting, b, c, []*testClient{cb}, []*testClient{cc})
	for _, cl := range []*testClient{ca, cb, cc} {
		cl.waitConnected()
	}
	tx := startSender(ca, cb, cc)
	defer tx.close()
	for _, rx := range []*testClient{ca, cb, cc} {
		for _, from := range []*testClient{ca, cb, cc} {
			if rx != from {
				eventually(t, rx.id+" audio from "+from.id, func() bool { return rx.received(from.audioSSRC) > 5 })
				eventually(t, rx.id+" video from "+from.id, func() bool { return rx.received(from.videoSSRC) > 5 })
			}
		}
	}
	tx.set(ca)
	time.Sleep(300 * time.Millisecond)
	s0, fa0, fb0, fc0 := tx.sent.Load(), a.b.Stats().Forwarded, b.b.Stats().Forwarded, c.b.Stats().Forwarded
	time.Sleep(2 * time.Second)
	sent := float64(tx.sent.Load() - s0)
	fa, fb, fc := float64(a.b.Stats().Forwarded-fa0), float64(b.b.Stats().Forwarded-fb0), float64(c.b.Stats().Forwarded-fc0)
	t.Logf("A's client sent %.0f packets; forwarded: A %.0f, B %.0f, C %.0f", sent, fa, fb, fc)
	if fa < 1.5*sent || fa > 2.4*sent {
		t.Errorf("A forwarded %.0f for %.0f sent: want one copy per relay (2)", fa, sent)
	}
	for name, f := range map[string]float64{"B": fb, "C": fc} {
		if f < 0.5*sent || f > 1.2*sent {
			t.Errorf("%s forwarded %.0f for %.0f relayed: want one copy to its client, none on to another relay", name, f, sent)
		}
	}
}

// TestRelaySameBridgePair: two conferences each span the same two bridges,
// so two relays link the same pair. Each relay has its own media socket
// (docs/scale-out.md, "Relays"): were they on the bridges' shared ports,
// both relays would have the same 5-tuple and one relay's datagrams would
// reach the other (the benchmark measured 44-78 % delivered). Every
// receiver gets at least 90 % of the audio its peer sent.
func TestRelaySameBridgePair(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	a, b := startRelayBridge(t, "jvbA"), startRelayBridge(t, "jvbB")
	defer b.stop()
	defer a.stop()
	type pair struct {
		meeting string
		ca, cb  *testClient
	}
	pairs := []pair{
		{"m-one", newTestClient(t, "a0", 1001, 1010), newTestClient(t, "b0", 2001, 2010)},
		{"m-two", newTestClient(t, "a1", 3001, 3010), newTestClient(t, "b1", 4001, 4010)},
	}
	var all []*testClient
	peer := map[*testClient]*testClient{}
	for _, p := range pairs {
		peer[p.ca], peer[p.cb] = p.cb, p.ca
		defer p.ca.close()
		defer p.cb.close()
		connectLocal(t, a, p.meeting, true, p.ca, p.cb)
		connectLocal(t, b, p.meeting, true, p.cb, p.ca)
		linkRelay(t, p.meeting, a, b, []*testClient{p.ca}, []*testClient{p.cb})
		all = append(all, p.ca, p.cb)
	}
	for _, cl := range all {
		cl.waitConnected()
	}
	tx := startSender(all...)
	defer tx.close()
	for _, rx := range all {
		eventually(t, rx.id+" audio from "+peer[rx].id, func() bool { return rx.received(peer[rx].audioSSRC) > 5 })
	}
	time.Sleep(300 * time.Millisecond)
	s0 := tx.sent.Load()
	before := map[*testClient]int64{}
	for _, cl := range all {
		before[cl] = cl.received(peer[cl].audioSSRC)
	}
	time.Sleep(2 * time.Second)
	perClient := float64(tx.sent.Load()-s0) / 2 / float64(len(all)) // audio packets each client sent
	for _, cl := range all {
		t.Run(cl.id, func(t *testing.T) {
			from := peer[cl]
			got := float64(cl.received(from.audioSSRC) - before[cl])
			t.Logf("%s got %.0f of %.0f audio packets from %s", cl.id, got, perClient, from.id)
			if got < 0.9*perClient {
				t.Errorf("%s got %.0f of %.0f audio packets from %s (< 90 %%)", cl.id, got, perClient, from.id)
			}
		})
	}
}
