package bridge

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/rtcp"
	"go.uber.org/goleak"

	"meetd/colibri"
)

// call is a conference on a test bridge with pion clients connected to it.
type call struct {
	t       *testing.T
	b       *Bridge
	fc      *fakeConn
	meeting string
	clients []*testClient
	trs     map[string]*colibri.Transport
	stopTx  chan struct{}
	txDone  sync.WaitGroup
	// signalCandidates forwards the clients' candidates to the bridge (as a
	// focus does with transport-info); otherwise they are learnt as prflx.
	signalCandidates bool
}

// startCall creates n endpoints, connects a pion client to each and starts
// media on all of them.
func startCall(t *testing.T, b *Bridge, fc *fakeConn, n int, signalCandidates bool) *call {
	t.Helper()
	c := &call{t: t, b: b, fc: fc, meeting: "m-" + t.Name(), trs: map[string]*colibri.Transport{},
		stopTx: make(chan struct{}), signalCandidates: signalCandidates}
	ids := make([]string, n)
	for i := range ids {
		ids[i] = fmt.Sprintf("ep%d", i)
		c.clients = append(c.clients, newTestClient(t, ids[i], uint32(1000*(i+1)+1), uint32(1000*(i+1)+10)))
	}
	cm := fc.modify(t, createXML(c.meeting, true, ids...))
	if cm.Sources == nil || len(cm.Sources.MediaSources) != 2 {
		t.Fatalf("no feedback sources: %+v", cm.Sources)
	}
	for _, ep := range cm.Endpoints {
		c.trs[ep.ID] = ep.Transport
	}
	for i, cl := range c.clients {
		c.connectClient(i, cl)
	}
	for _, cl := range c.clients {
		cl.waitConnected()
	}
	c.txDone.Add(1)
	go c.transmit()
	return c
}

func (c *call) connectClient(i int, cl *testClient) {
	tr := c.trs[cl.id]
	if tr == nil || tr.ICE == nil || tr.SCTP == nil || tr.SCTP.Port != 5000 || len(tr.ICE.WebSockets) != 1 {
		c.t.Fatalf("bad transport for %s: %+v", cl.id, tr)
	}
	var remotes []remoteSource
	for j, o := range c.clients {
		if j != i {
			remotes = append(remotes, remoteSource{owner: o.id, audio: o.audioSSRC, video: o.videoSSRC})
		}
	}
	ufrag, pwd, fp := cl.answer(tr, remotes)
	cands := ""
	if c.signalCandidates {
		cands = answerCandidates(c.t, cl.pc.LocalDescription().SDP)
	}
	c.fc.modify(c.t, updateXML(c.meeting, cl.id, ufrag, pwd, fp, cands, cl.audioSSRC, cl.videoSSRC))
}

func (c *call) transmit() {
	defer c.txDone.Done()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for seq := uint16(0); ; seq++ {
		select {
		case <-c.stopTx:
			return
		case <-tick.C:
			for _, cl := range c.clients {
				cl.send(seq)
			}
		}
	}
}

func (c *call) stop() {
	close(c.stopTx)
	c.txDone.Wait()
	for _, cl := range c.clients {
		cl.close()
	}
}

// eventually polls cond until it holds or the wait times out.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitTimeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitMediaBetweenAll checks every client gets audio and video from every other.
func (c *call) waitMediaBetweenAll() {
	for _, rx := range c.clients {
		for _, tx := range c.clients {
			if rx == tx {
				continue
			}
			eventually(c.t, rx.id+" audio from "+tx.id, func() bool { return rx.received(tx.audioSSRC) > 5 })
			eventually(c.t, rx.id+" video from "+tx.id, func() bool { return rx.received(tx.videoSSRC) > 5 })
		}
	}
}

func TestCallTwoParties(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(nil)
	defer srv.Close()
	b, fc, stop := startBridge(t, "ws://"+srv.Listener.Addr().String()+"/colibri-ws/jvb1")
	srv.Config.Handler = http.StripPrefix("", b.WebSocketHandler())
	defer stop()

	c := startCall(t, b, fc, 2, false)
	defer c.stop()
	a, bb := c.clients[0], c.clients[1]
	c.waitMediaBetweenAll()

	t.Run("sdes:mid neutralised", func(t *testing.T) {
		if n := a.midSeen.Load() + bb.midSeen.Load(); n != 0 {
			t.Fatalf("%d forwarded packets still carry the sender's mid", n)
		}
	})
	t.Run("bridge channel over SCTP", func(t *testing.T) {
		a.waitMessage(colibri.ClassServerHello)
		bb.waitMessage(colibri.ClassServerHello)
		must(t, a.dc.SendText(`{"colibriClass":"EndpointMessage","to":"ep1","msgPayload":{"x":1}}`))
		m := bb.waitMessage(colibri.ClassEndpointMessage)
		if !strings.Contains(m, `"from":"ep0"`) || !strings.Contains(m, `"msgPayload":{"x":1}`) {
			t.Fatalf("relayed message: %s", m)
		}
	})
	t.Run("keyframe request reaches sender", func(t *testing.T) {
		eventually(t, "PLI at sender", func() bool {
			_ = bb.pc.WriteRTCP([]rtcp.Packet{&rtcp.PictureLossIndication{MediaSSRC: a.videoSSRC}})
			return a.pliReceived.Load() > 0
		})
	})
	t.Run("sender reports and TWCC feedback", func(t *testing.T) {
		eventually(t, "SR of sender audio", func() bool { _, ok := bb.srFrom.Load(a.audioSSRC); return ok })
		eventually(t, "TWCC feedback to sender", func() bool { return a.twccFB.Load() > 0 })
	})
	t.Run("lastN=0 stops video only", func(t *testing.T) {
		must(t, bb.dc.SendText(`{"colibriClass":"ReceiverVideoConstraints","lastN":0}`))
		eventually(t, "lastN applied", func() bool { return lastNOf(b.conference(c.meeting), "ep1") == 0 })
		time.Sleep(300 * time.Millisecond) // let in-flight packets drain
		v0, a0 := bb.received(a.videoSSRC), bb.received(a.audioSSRC)
		eventually(t, "audio keeps flowing", func() bool { return bb.received(a.audioSSRC) > a0+10 })
		if v1 := bb.received(a.videoSSRC); v1 != v0 {
			t.Fatalf("video still forwarded with lastN=0: %d -> %d", v0, v1)
		}
	})
	t.Run("bridge channel over WebSocket", func(t *testing.T) {
		testWebSocket(t, c.trs["ep0"].ICE.WebSockets[0].URL)
	})
	t.Run("garbage on the media port", func(t *testing.T) {
		before := b.Stats().Unroutable
		sendGarbage(t, b.UDPAddr())
		eventually(t, "garbage counted", func() bool { return b.Stats().Unroutable >= before+3 })
		a0 := bb.received(a.audioSSRC)
		eventually(t, "call goes on", func() bool { return bb.received(a.audioSSRC) > a0+10 })
	})
	t.Run("expire endpoint", func(t *testing.T) {
		cm := fc.modify(t, fmt.Sprintf(`<conference-modify xmlns="jitsi:colibri2" meeting-id="%s"><endpoint id="ep1" expire="true"/></conference-modify>`, c.meeting))
		if len(cm.Endpoints) != 1 || !cm.Endpoints[0].Expire {
			t.Fatalf("expire answer: %+v", cm.Endpoints)
		}
		r := fc.iq(t, "get", fmt.Sprintf(`<conference-modify xmlns="jitsi:colibri2" meeting-id="%s"><endpoint id="ep1"><force-mute audio="true" video="false"/></endpoint></conference-modify>`, c.meeting))
		checkColibriError(t, r, "item-not-found", colibri.ReasonUnknownEndpoint)
		if b.conference(c.meeting).endpoint("ep0") == nil {
			t.Fatal("other endpoint gone")
		}
	})
}

func TestCallThreeParties(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	b, fc, stop := startBridge(t, "ws://127.0.0.1:1/colibri-ws/jvb1")
	defer stop()
	c := startCall(t, b, fc, 3, true)
	defer c.stop()
	c.waitMediaBetweenAll()
	// Conference expiry tears everything down while media still flows.
	fc.modify(t, fmt.Sprintf(`<conference-modify xmlns="jitsi:colibri2" meeting-id="%s" expire="true"/>`, c.meeting))
	if b.conference(c.meeting) != nil {
		t.Fatal("conference still present after expire")
	}
}

func testWebSocket(t *testing.T, u string) {
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	bad := strings.Replace(u, "pwd=", "pwd=x", 1)
	if _, resp, err := websocket.DefaultDialer.DialContext(ctx, bad, nil); err == nil || resp == nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("wrong password accepted: %v", err)
	}
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	defer ws.Close()
	_ = ws.SetReadDeadline(time.Now().Add(waitTimeout))
	_, msg, err := ws.ReadMessage()
	if err != nil {
		t.Fatal(err)
	}
	var h colibri.ChannelHeader
	if json.Unmarshal(msg, &h) != nil || h.Class != colibri.ClassServerHello {
		t.Fatalf("first message: %s", msg)
	}
	must(t, ws.WriteMessage(websocket.TextMessage, []byte(`{"colibriClass":"ClientHello"}`)))
	for { // the channel's greeting (constraints, forwarded sources) may come first
		_, msg, err = ws.ReadMessage()
		if err != nil {
			t.Fatalf("ClientHello answer: %v", err)
		}
		if strings.Contains(string(msg), colibri.ClassServerHello) {
			return
		}
	}
}

func sendGarbage(t *testing.T, to *net.UDPAddr) {
	conn, err := net.DialUDP("udp", nil, to)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	for _, g := range [][]byte{{0xff, 0x00}, {0x80}, make([]byte, 1200), []byte("hello bridge")} {
		_, _ = conn.Write(g)
	}
}

// lastNOf reads an endpoint's last-N preference.
func lastNOf(c *conference, id string) int {
	c.allocMu.Lock()
	defer c.allocMu.Unlock()
	return c.endpoint(id).down.prefs.lastN
}
