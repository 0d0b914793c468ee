package load

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"
)

// A Galène participant is one WebSocket client with one publishing stream
// (the tool offers; ICE controlling, DTLS server) and one stream per remote
// publisher that Galène offers after the client's request (ICE controlled,
// DTLS client). Every stream is its own peer connection, so a receiver
// with 19 remote publishers holds 19 legs (docs/performance.md#galène).

// galeneLowDelay holds back a Galène publisher's low layer after its high
// one, so that Galène sees the high track first (see sender.run).
const galeneLowDelay = 500 * time.Millisecond

// galeneLayers is how many simulcast layers a Galène publisher sends: two
// (Galène forwards the first and last of the list), the high one carrying
// the bit rate of meetd's two upper layers so the input rate is the same.
func galeneLayers(cfg *Config) []int {
	if !cfg.Simulcast {
		return []int{cfg.LayerBitrates[0]}
	}
	return []int{cfg.LayerBitrates[0], cfg.LayerBitrates[1] + cfg.LayerBitrates[2]}
}

// galeneGroup is the (automatic sub)group endpoint idx joins.
func (r *run) galeneGroup(idx int) string { return GaleneGroup + "/" + r.roomOf(idx) }

// joinGalene joins every participant, then waits until every stream Galène
// must offer them is connected (or the join timeout ends).
func (l *Load) joinGalene() {
	cfg := &l.r.cfg
	var want atomic.Int64
	eps := make([]*endpoint, cfg.Endpoints)
	for i := range eps {
		eps[i] = newEndpoint(l.r, i)
		eps[i].offerer = eps[i].publish
	}
	for i := range cfg.Endpoints {
		want.Add(int64(l.r.galenePublishersFor(i)))
	}
	l.joinEach(eps, func(ctx context.Context, e *endpoint) error { return l.joinGaleneClient(ctx, e) })
	ctx, cancel := context.WithTimeout(l.r.ctx, cfg.JoinTimeout)
	defer cancel()
	for ctx.Err() == nil && int64(l.Connected()) < want.Load() {
		sleepCtx(ctx, 50*time.Millisecond)
	}
	if got := int64(l.Connected()); got < want.Load() {
		l.mu.Lock()
		l.failed = append(l.failed, fmt.Errorf("%w: galene: %d of %d offered streams connected", ErrProtocol, got, want.Load()))
		l.mu.Unlock()
	}
}

// galenePublishersFor counts the remote publishers in endpoint idx's group.
func (r *run) galenePublishersFor(idx int) int {
	n := 0
	for p := range r.cfg.Senders {
		if p != idx && r.roomOf(p) == r.roomOf(idx) {
			n++
		}
	}
	return n
}

// joinGaleneClient connects participant e, publishes if it is a sender,
// requests everyone's audio and (lowest) video, and accepts the streams
// Galène offers in the background.
func (l *Load) joinGaleneClient(ctx context.Context, e *endpoint) error {
	id := fmt.Sprintf("c%d-%s", e.idx, e.nick)
	e.times.joinSent = time.Now()
	s, err := dialGalene(ctx, l.r.cfg.URL, id)
	if err != nil {
		return err
	}
	e.galene = s
	if err := s.join(ctx, l.r.galeneGroup(e.idx), e.nick); err != nil {
		return err
	}
	go l.acceptGaleneOffers(e)
	if e.publish {
		if err := e.publishGalene(ctx, "up-"+id, id); err != nil {
			return err
		}
	}
	video := "video"
	if l.r.cfg.Simulcast {
		video = "video-low"
	}
	return s.send(galeneMsg{Type: "request", Request: map[string]any{"": []string{"audio", video}}})
}

// publishGalene offers the endpoint's synthetic media as stream id.
func (e *endpoint) publishGalene(ctx context.Context, id, source string) error {
	lm, err := e.prepareICE(ctx)
	if err != nil {
		return err
	}
	g := e.galene.leg(id)
	g.setAgent(e.agent)
	lm.setup = "actpass"
	offer := galenePublisherOffer(lm, len(galeneLayers(&e.r.cfg)))
	if err := e.galene.send(galeneMsg{Type: "offer", ID: id, Label: "camera", Source: source, Username: e.nick, SDP: offer}); err != nil {
		return err
	}
	var answer string
	select {
	case answer = <-g.sdp:
	case <-ctx.Done():
		return fmt.Errorf("load: galene answer: %w", ctx.Err())
	}
	e.times.initiate = time.Since(e.times.joinSent)
	if e.offer, _, err = sdpTransport(answer); err != nil {
		return err
	}
	e.offer.extMID, e.offer.extRID, e.offer.extTWCCV, e.offer.extTWCCA = galeneExtMID, galeneExtRID, 0, 0
	return e.connect(ctx)
}

// acceptGaleneOffers answers every stream Galène offers participant p,
// each as a receive-only leg of its own.
func (l *Load) acceptGaleneOffers(p *endpoint) {
	s := p.galene
	for {
		var g *galeneLeg
		select {
		case g = <-s.newLegs:
		case <-s.done:
			return
		case <-l.r.ctx.Done():
			return
		}
		e := newEndpoint(l.r, p.idx)
		e.publish, e.galene = false, s
		l.mu.Lock()
		l.eps = append(l.eps, e)
		l.mu.Unlock()
		go func() {
			if err := e.runGaleneLeg(g); err != nil {
				e.err = err
				l.r.cfg.Log.Warn("galene stream failed", "endpoint", e.idx, "err", err)
			}
		}()
	}
}

// runGaleneLeg answers the leg's first offer and connects it, then answers
// Galène's re-offers (its tracks change as the publisher's simulcast
// streams appear) on the same transport.
func (e *endpoint) runGaleneLeg(g *galeneLeg) error {
	ctx, cancel := context.WithTimeout(e.r.ctx, e.r.cfg.JoinTimeout)
	defer cancel()
	var m galeneMsg
	select {
	case m = <-g.offers:
	case <-ctx.Done():
		return ctx.Err()
	}
	lm, err := e.subscribeGalene(ctx, g, m)
	if err != nil {
		return err
	}
	for {
		select {
		case m = <-g.offers:
		case <-e.r.ctx.Done():
			return nil
		}
		o, sd, err := sdpTransport(m.SDP)
		if err != nil {
			return err
		}
		if err := e.galene.send(galeneMsg{Type: "answer", ID: m.ID, SDP: subscriberAnswer(sd, lm, o)}); err != nil {
			return err
		}
	}
}

// subscribeGalene answers one offered stream and connects it.
func (e *endpoint) subscribeGalene(ctx context.Context, g *galeneLeg, m galeneMsg) (localMedia, error) {
	e.times.joinSent = time.Now()
	lm, err := e.prepareICE(ctx)
	if err != nil {
		return lm, err
	}
	g.setAgent(e.agent)
	o, sd, err := sdpTransport(m.SDP)
	if err != nil {
		return lm, err
	}
	answer := subscriberAnswer(sd, lm, o)
	e.offer = o
	if err := e.galene.send(galeneMsg{Type: "answer", ID: m.ID, SDP: answer}); err != nil {
		return lm, err
	}
	e.times.initiate = time.Since(e.times.joinSent)
	return lm, e.connect(ctx)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}
