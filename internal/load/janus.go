package load

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pion/sdp/v3"
)

// JanusRoom is the VideoRoom room id the Janus adapter joins (the
// benchmark configures it statically).
const JanusRoom = 1234

// A Janus participant is two legs: a publisher PeerConnection (the tool
// offers; ICE controlling, DTLS server) and a subscriber PeerConnection
// to every other publisher (Janus offers; multistream).

// joinJanusPublisher publishes the leg's synthetic media.
func (e *endpoint) joinJanusPublisher(ctx context.Context) error {
	l, err := e.janusPrepare(ctx, true)
	if err != nil {
		return err
	}
	layers := 1
	if e.r.cfg.Simulcast {
		layers = 3
	}
	l.setup = "actpass"
	e.times.joinSent = time.Now()
	m, err := e.janus.request(ctx, map[string]any{"request": "joinandconfigure", "room": JanusRoom, "ptype": "publisher",
		"display": e.nick, "audio": true, "video": true}, &janusJSEP{Type: "offer", SDP: publisherOffer(l, layers)})
	if err != nil {
		return fmt.Errorf("load: janus publish: %w", err)
	}
	var d struct {
		ID json.Number `json:"id"`
	}
	if m.JSEP == nil || json.Unmarshal(m.PluginData.Data, &d) != nil || d.ID == "" {
		return fmt.Errorf("%w: janus publish: no answer", ErrProtocol)
	}
	e.feed = string(d.ID)
	e.times.initiate = time.Since(e.times.joinSent)
	if e.offer, _, err = sdpTransport(m.JSEP.SDP); err != nil {
		return err
	}
	return e.connect(ctx)
}

// janusPrepare makes the ICE agent, gathers and opens the Janus session.
func (e *endpoint) janusPrepare(ctx context.Context, _ bool) (localMedia, error) {
	lm, err := e.prepareICE(ctx)
	if err != nil {
		return lm, err
	}
	if e.janus, err = newJanusSession(ctx, e.r.cfg.URL); err != nil {
		return localMedia{}, err
	}
	return lm, nil
}

// prepareICE makes the leg's ICE agent and gathers its candidates.
func (e *endpoint) prepareICE(ctx context.Context) (localMedia, error) {
	var err error
	if e.agent, err = newAgent(e.r.ice); err != nil {
		return localMedia{}, fmt.Errorf("load: ice agent: %w", err)
	}
	cands, err := gather(ctx, e.agent)
	if err != nil {
		return localMedia{}, fmt.Errorf("load: gather: %w", err)
	}
	ufrag, pwd, err := e.agent.GetLocalUserCredentials()
	if err != nil {
		return localMedia{}, err
	}
	return localMedia{nick: e.nick, idx: e.idx, publish: e.publish, ufrag: ufrag, pwd: pwd, fp: e.r.fingerprint,
		cands: cands}, nil
}

// joinJanusSubscriber subscribes the leg to the given publisher feeds.
func (e *endpoint) joinJanusSubscriber(ctx context.Context, feeds []string) error {
	l, err := e.janusPrepare(ctx, false)
	if err != nil {
		return err
	}
	var streams []map[string]any
	for _, f := range feeds {
		streams = append(streams, map[string]any{"feed": json.Number(f)})
	}
	e.times.joinSent = time.Now()
	m, err := e.janus.request(ctx, map[string]any{"request": "join", "room": JanusRoom, "ptype": "subscriber",
		"streams": streams}, nil)
	if err != nil {
		return fmt.Errorf("load: janus subscribe: %w", err)
	}
	if m.JSEP == nil || m.JSEP.Type != "offer" {
		return fmt.Errorf("%w: janus subscribe: no offer", ErrProtocol)
	}
	e.times.initiate = time.Since(e.times.joinSent)
	o, sd, err := sdpTransport(m.JSEP.SDP)
	if err != nil {
		return err
	}
	answer := subscriberAnswer(sd, l, o)
	e.offer = o
	if err := e.janus.message(ctx, map[string]any{"request": "start", "room": JanusRoom}, &janusJSEP{Type: "answer", SDP: answer}); err != nil {
		return fmt.Errorf("load: janus start: %w", err)
	}
	e.lowestLayer(ctx, sd)
	return e.connect(ctx)
}

// lowestLayer asks Janus for simulcast layer 0 on every video stream, the
// layer meetd forwards in the same scenarios.
func (e *endpoint) lowestLayer(ctx context.Context, sd *sdp.SessionDescription) {
	var streams []map[string]any
	for _, m := range sd.MediaDescriptions {
		if mid, ok := m.Attribute("mid"); ok && m.MediaName.Media == "video" {
			streams = append(streams, map[string]any{"mid": mid, "substream": 0, "temporal": 2})
		}
	}
	if len(streams) > 0 && e.r.cfg.Simulcast {
		_ = e.janus.message(ctx, map[string]any{"request": "configure", "streams": streams}, nil)
	}
}

// joinJanus starts publisher legs, waits for them, then subscriber legs.
func (l *Load) joinJanus() {
	cfg := &l.r.cfg
	var pubs []*endpoint
	for i := range cfg.Senders {
		e := newEndpoint(l.r, i)
		e.offerer, e.probe = true, false
		pubs = append(pubs, e)
	}
	l.joinEach(pubs, func(ctx context.Context, e *endpoint) error { return e.joinJanusPublisher(ctx) })
	var subs []*endpoint
	for i := range cfg.Endpoints {
		e := newEndpoint(l.r, i)
		e.publish = false
		subs = append(subs, e)
	}
	l.joinEach(subs, func(ctx context.Context, e *endpoint) error {
		var feeds []string
		for _, p := range pubs {
			if p.idx != e.idx && p.feed != "" {
				feeds = append(feeds, p.feed)
			}
		}
		return e.joinJanusSubscriber(ctx, feeds)
	})
}
