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

// Galène's simulcast is rid-based, and it forwards to a "video-low"
// receiver the last video track pion reported, in the order the first
// packets of unsignalled SSRCs happened to be handled (measured: with a
// busy core about 8 % of the receivers got the high layer however the
// tool timed its layers). So a simulcast publisher is emulated as two
// streams instead: "camera" with audio and the 180p layer (what every
// receiver requests), and "video" with the bit rate of meetd's two upper
// layers, which nobody requests. Galène receives, caches and drops it as it
// would an unused simulcast layer, so input and output rates match meetd's
// (docs/performance.md#galène).

// galeneStreams returns the video bit rates of a Galène publisher's
// streams: camera first.
func galeneStreams(cfg *Config) []int {
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
// requests the camera streams' audio and video, and accepts the streams
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
		if err := l.publishGalene(ctx, e, id); err != nil {
			return err
		}
	}
	return s.send(galeneMsg{Type: "request", Request: map[string]any{"camera": []string{"audio", "video"}}})
}

// publishGalene offers e's streams: e itself carries the camera stream, a
// second leg the unrequested high-rate stream.
func (l *Load) publishGalene(ctx context.Context, e *endpoint, source string) error {
	rates := galeneStreams(&l.r.cfg)
	e.rates = rates[:1]
	if err := e.publishGaleneStream(ctx, "camera", "up-"+source, source, true); err != nil {
		return err
	}
	if len(rates) < 2 {
		return nil
	}
	hi := newEndpoint(l.r, e.idx)
	hi.offerer, hi.galene, hi.rates, hi.layerBase, hi.noAudio = true, e.galene, rates[1:], 1, true
	hi.times.joinSent = e.times.joinSent
	l.mu.Lock()
	l.eps = append(l.eps, hi)
	l.mu.Unlock()
	return hi.publishGaleneStream(ctx, "video", "up2-"+source, source, false)
}

// publishGaleneStream offers the leg's synthetic media as stream id.
func (e *endpoint) publishGaleneStream(ctx context.Context, label, id, source string, audio bool) error {
	lm, err := e.prepareICE(ctx)
	if err != nil {
		return err
	}
	g := e.galene.leg(id)
	g.setAgent(e.agent)
	lm.setup = "actpass"
	offer := galenePublisherOffer(lm, audio, e.layerBase)
	if err := e.galene.send(galeneMsg{Type: "offer", ID: id, Label: label, Source: source, Username: e.nick, SDP: offer}); err != nil {
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
	e.offer.extTWCCV, e.offer.extTWCCA = 0, 0
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
	e.feed = m.ID
	lm, err := e.prepareICE(ctx)
	if err != nil {
		return lm, err
	}
	g.setAgent(e.agent)
	o, sd, err := sdpTransport(m.SDP)
	if err != nil {
		return lm, err
	}
	o.ptRTX = 0 // Galène offers RTX only if its group enables it; the answer's scan sets it then
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
