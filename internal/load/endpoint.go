package load

import (
	"context"
	"fmt"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/pion/dtls/v3"
	"github.com/pion/ice/v4"
	"github.com/pion/rtcp"

	"meetd/bridge/pipe"
	"meetd/xmpp/dom"
	"meetd/xmpp/jingle"
	"meetd/xmpp/ns"
)

// joinTimes are the stages of one join, as offsets from the MUC join.
type joinTimes struct {
	joinSent time.Time
	initiate time.Duration
	iceDone  time.Duration
	dtlsDone time.Duration
	firstRTP atomic.Int64 // ns
	firstKey atomic.Int64 // ns
}

// endpoint is one emulated Jitsi participant.
type endpoint struct {
	r         *run
	idx       int
	nick      string
	publish   bool
	probe     bool
	offerer   bool           // Janus publisher leg: ICE controlling, DTLS server
	janus     *janusSession  // Janus legs only
	feed      string         // Janus publisher id of a publisher leg
	galene    *galeneSession // Galène legs only (shared by a participant's legs)
	rates     []int          // video layer bit rates of this leg when not nil (Galène's two streams)
	layerBase int            // layer index of the leg's first layer
	noAudio   bool           // the leg sends video only

	x        *xmppConn
	initiate chan *dom.Element
	offer    *offerInfo
	agent    *ice.Agent
	conn     *ice.Conn
	pipe     *pipe.DTLS
	dtls     *dtls.Conn
	keys     *srtpKeys
	ready    atomic.Bool
	send     *sender
	rx       *receiver
	channel  *websocket.Conn
	rtcpMu   sync.Mutex
	rtcpBuf  []byte
	c        counters
	times    joinTimes
	err      error
	wg       sync.WaitGroup
	cancel   context.CancelFunc
}

func newEndpoint(r *run, idx int) *endpoint {
	return &endpoint{r: r, idx: idx, nick: fmt.Sprintf("%08x", uint32(r.cfg.Seed)*7919+uint32(idx)),
		publish: idx < r.cfg.Senders, probe: r.isProbe(idx), initiate: make(chan *dom.Element, 1),
		rtcpBuf: make([]byte, 0, 1600)}
}

// rtcpSSRC is the sender SSRC of the endpoint's RTCP.
func (e *endpoint) rtcpSSRC() uint32 { return endpointSSRC(e.idx, 0xff) }

// onStanza answers IQs from the focus; session-initiate is handed to join.
func (e *endpoint) onStanza(el *dom.Element) {
	if el.Local != "iq" || (el.Attr("type") != "set" && el.Attr("type") != "get") {
		return
	}
	_ = e.x.reply(el)
	if j := el.Child(ns.Jingle, "jingle"); j != nil && j.Attr("action") == jingle.ActionSessionInitiate {
		select {
		case e.initiate <- el:
		default:
		}
	}
}

// join runs the whole signalling and transport setup.
func (e *endpoint) join(ctx context.Context) error {
	cfg := &e.r.cfg
	var err error
	if e.agent, err = newAgent(e.r.ice); err != nil {
		return fmt.Errorf("load: ice agent: %w", err)
	}
	cands, err := gather(ctx, e.agent)
	if err != nil {
		return fmt.Errorf("load: gather: %w", err)
	}
	if e.x, err = dialXMPP(ctx, e.r.xmppURL, cfg.Domain, e.onStanza); err != nil {
		return err
	}
	room := e.r.roomOf(e.idx) + "@conference." + cfg.Domain
	if err := conferenceIQ(ctx, e.x, "focus."+cfg.Domain, room, e.nick); err != nil {
		return fmt.Errorf("load: conference iq: %w", err)
	}
	e.times.joinSent = time.Now()
	pres := joinPresence(room+"/"+e.nick, e.nick, "load-"+e.nick, e.r.regionOf(e.idx))
	switch {
	case cfg.SVC && cfg.AV1:
		announceAV1(pres)
	case cfg.SVC:
		announceVP9(pres)
	}
	if err := e.x.send(pres); err != nil {
		return err
	}
	if err := e.accept(ctx, cands); err != nil {
		return err
	}
	return e.connect(ctx)
}

// accept waits for the session-initiate and answers it.
func (e *endpoint) accept(ctx context.Context, cands []jingle.Candidate) error {
	var iq *dom.Element
	select {
	case iq = <-e.initiate:
	case <-ctx.Done():
		return fmt.Errorf("load: waiting for session-initiate: %w", ctx.Err())
	}
	e.times.initiate = time.Since(e.times.joinSent)
	var j jingle.Jingle
	if err := dom.Unmarshal(iq.Child(ns.Jingle, "jingle"), &j); err != nil {
		return fmt.Errorf("%w: %w", ErrProtocol, err)
	}
	o, err := parseOffer(iq.Attr("from"), &j)
	if err != nil {
		return err
	}
	if err := checkSVCOffer(&e.r.cfg, o); err != nil {
		return err
	}
	e.offer = o
	ufrag, pwd, err := e.agent.GetLocalUserCredentials()
	if err != nil {
		return err
	}
	acc := buildAccept(o, localMedia{nick: e.nick, idx: e.idx, publish: e.publish, ufrag: ufrag, pwd: pwd,
		fp: e.r.fingerprint, cands: cands, svc: e.r.cfg.SVC})
	el, err := dom.Marshal(acc)
	if err != nil {
		return err
	}
	if _, err := e.x.iq(ctx, "set", o.from, el); err != nil {
		return fmt.Errorf("load: session-accept: %w", err)
	}
	return nil
}

// connect runs ICE, DTLS and SRTP and starts media.
func (e *endpoint) connect(ctx context.Context) error {
	addRemotes(e.agent, e.offer.transport.Candidates)
	var conn *ice.Conn
	var err error
	if e.offerer {
		conn, err = e.agent.Dial(ctx, e.offer.transport.Ufrag, e.offer.transport.Pwd)
	} else {
		conn, err = e.agent.Accept(ctx, e.offer.transport.Ufrag, e.offer.transport.Pwd)
	}
	if err != nil {
		return fmt.Errorf("load: ice: %w", err)
	}
	e.conn = conn
	e.times.iceDone = time.Since(e.times.joinSent)
	e.pipe = pipe.NewDTLS(conn)
	e.rx = newReceiver(e, e.probe)
	e.wg.Add(1)
	go e.readLoop()
	if e.offerer {
		e.dtls, err = dtlsServer(ctx, e.pipe, e.r.cert, e.offer.transport.Fingerprints, e.r.ice.logger)
	} else {
		e.dtls, err = dtlsClient(ctx, e.pipe, e.r.cert, e.offer.transport.Fingerprints, e.r.ice.logger)
	}
	if err != nil {
		return err
	}
	if e.keys, err = newSRTP(e.dtls, !e.offerer); err != nil {
		return err
	}
	e.times.dtlsDone = time.Since(e.times.joinSent)
	if e.publish {
		e.send = newSender(e)
	}
	e.ready.Store(true)
	if e.send != nil {
		e.wg.Add(1)
		go func() {
			defer e.wg.Done()
			e.send.run(e.r.ctx)
		}()
	}
	if e.janus == nil && e.galene == nil {
		e.openChannel(ctx)
	}
	return nil
}

// readLoop demultiplexes DTLS, SRTP and SRTCP.
func (e *endpoint) readLoop() {
	defer e.wg.Done()
	buf := make([]byte, 1600)
	for {
		n, err := e.conn.Read(buf)
		if err != nil {
			return
		}
		b := buf[:n]
		switch {
		case isDTLS(b):
			e.pipe.Push(append([]byte(nil), b...))
		case !e.ready.Load():
		case isRTCP(b):
			e.rx.onRTCP(b)
		default:
			e.rx.onRTP(b, time.Now())
		}
	}
}

// sendRTCP encrypts and sends RTCP packets as one compound packet.
func (e *endpoint) sendRTCP(pkts ...rtcp.Packet) {
	raw, err := rtcp.Marshal(pkts)
	if err != nil || !e.ready.Load() {
		return
	}
	e.rtcpMu.Lock()
	defer e.rtcpMu.Unlock()
	out, err := e.keys.rtcpOut.EncryptRTCP(e.rtcpBuf[:0], raw, nil)
	if err == nil {
		_, _ = e.conn.Write(out)
	}
}

// openChannel connects the bridge channel WebSocket and asks for video,
// as a Jitsi client does; messages from the bridge are read and dropped.
func (e *endpoint) openChannel(ctx context.Context) {
	if e.offer.webSocket == "" {
		return
	}
	u, err := url.Parse(e.offer.webSocket)
	if err != nil {
		return
	}
	d := wsDialer()
	d.Subprotocols = nil
	ws, resp, err := d.DialContext(ctx, u.String(), nil)
	if err != nil {
		return
	}
	_ = resp.Body.Close()
	e.channel = ws
	_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"colibriClass":"ReceiverVideoConstraints","lastN":-1,"defaultConstraints":{"maxHeight":180}}`))
	e.wg.Add(1)
	go func() {
		defer e.wg.Done()
		for {
			if _, _, err := ws.ReadMessage(); err != nil {
				return
			}
		}
	}()
}

// close leaves the room and tears everything down.
func (e *endpoint) close() {
	if e.x != nil {
		e.x.close()
	}
	if e.janus != nil {
		e.janus.close()
	}
	if e.galene != nil {
		e.galene.close()
	}
	if e.channel != nil {
		_ = e.channel.Close()
	}
	if e.dtls != nil {
		_ = e.dtls.Close()
	}
	if e.pipe != nil {
		_ = e.pipe.Close()
	}
	if e.agent != nil {
		_ = e.agent.Close()
	}
	e.wg.Wait()
}
