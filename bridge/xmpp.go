package bridge

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const presenceInterval = 5 * time.Second

// Conn is the XMPP session the bridge runs on (an in-process session of
// meetd's XMPP server, or a client connection to a remote server).
type Conn interface {
	JID() string
	Send(ctx context.Context, st *dom.Element) error
	Recv(ctx context.Context) (*dom.Element, error)
}

// session serialises the bridge's sends on one Conn.
type session struct {
	b    *Bridge
	conn Conn
	mu   sync.Mutex
}

func (s *session) send(ctx context.Context, st *dom.Element) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn.Send(ctx, st)
}

// Run joins the brewery MUC, keeps the bridge's stats presence fresh and
// serves Colibri2 and health-check IQs until ctx ends or conn fails.
func (b *Bridge) Run(ctx context.Context, conn Conn) error {
	s := &session{b: b, conn: conn}
	if err := s.send(ctx, b.presence(true)); err != nil {
		return fmt.Errorf("bridge: join brewery: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		s.presenceLoop(ctx)
	}()
	err := s.serve(ctx)
	cancel()
	wg.Wait()
	return err
}

func (s *session) serve(ctx context.Context) error {
	for {
		st, err := s.conn.Recv(ctx)
		if err != nil {
			if ctxDone(ctx) {
				return nil
			}
			return fmt.Errorf("bridge: xmpp: %w", err)
		}
		if st.Local == "iq" {
			s.handleIQ(ctx, st)
		}
	}
}

func (s *session) presenceLoop(ctx context.Context) {
	t := time.NewTicker(presenceInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			s.b.expireInactive(time.Now())
		case <-s.b.announce:
		}
		if err := s.send(ctx, s.b.presence(false)); err != nil && !errors.Is(err, context.Canceled) {
			s.b.log.Debug("stats presence failed", "err", err)
		}
	}
}

// presence is the brewery presence with the stats the focus reads
// (docs/scale-out.md#presence); each one samples the load.
func (b *Bridge) presence(join bool) *dom.Element {
	p := dom.New(ns.Client, "presence").SetAttr("to", b.cfg.BreweryRoom+"/"+b.cfg.ID)
	if join {
		p.AddNew(ns.MUC, "x")
	}
	confs, eps := b.counts()
	load := b.sampleLoad(time.Now())
	shutting := strconv.FormatBool(b.ShuttingDown())
	stats := p.AddNew(ns.Colibri, "stats")
	kvs := [][2]string{
		{"stress_level", strconv.FormatFloat(load.Stress, 'f', 4, 64)},
		{"average_participant_stress", "0.01"},
		{"drain", "false"}, {"graceful_shutdown", shutting}, {"shutting_down", shutting},
		{"healthy", "true"}, {"version", b.cfg.Version}, {"relay_id", b.cfg.RelayID},
		{"conferences", strconv.Itoa(confs)}, {"participants", strconv.Itoa(eps)},
		{"packet_rate", strconv.FormatFloat(load.PacketsPerSecond, 'f', 0, 64)},
	}
	if b.cfg.Region != "" {
		kvs = append(kvs, [2]string{"region", b.cfg.Region})
	}
	for _, kv := range kvs {
		stats.AddNew(ns.Colibri, "stat").SetAttr("name", kv[0]).SetAttr("value", kv[1])
	}
	return p
}

// handleIQ answers a get/set IQ; results and errors addressed to us are ignored.
func (s *session) handleIQ(ctx context.Context, iq *dom.Element) {
	typ := iq.Attr("type")
	if typ != "get" && typ != "set" {
		return
	}
	payload := iq.FirstChild()
	var reply *dom.Element
	switch {
	case payload.Is(ns.Colibri2, "conference-modify"):
		reply = s.b.colibriIQ(iq, payload)
	case payload.Is(ns.Healthcheck, "healthcheck"), payload.Is(ns.Ping, "ping"):
		reply = stanza.Result(iq)
	case payload.Is(ns.DiscoInfo, "query"):
		reply = s.b.discoInfo(iq)
	default:
		reply = errorIQ(iq, &iqError{typ: "cancel", cond: "service-unavailable"})
	}
	if err := s.send(ctx, reply); err != nil && !ctxDone(ctx) {
		s.b.log.Debug("iq reply failed", "err", err)
	}
}

func (b *Bridge) discoInfo(iq *dom.Element) *dom.Element {
	r := stanza.Result(iq)
	q := r.AddNew(ns.DiscoInfo, "query")
	q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "component").SetAttr("type", "bridge")
	for _, f := range []string{ns.Healthcheck, ns.JingleDTLS, ns.JingleICEUDP, ns.Ping} {
		q.AddNew(ns.DiscoInfo, "feature").SetAttr("var", f)
	}
	return r
}

// iqError is an XMPP stanza error, optionally with a colibri2 reason.
type iqError struct {
	typ, cond string
	reason    string // colibri2 reason, "" for none
	endpoint  string // unknown endpoint id, for reason unknown_endpoint
	text      string
}

func errorIQ(iq *dom.Element, e *iqError) *dom.Element {
	var reason []*dom.Element
	if e.reason != "" {
		ce := dom.New(ns.Colibri2, "error").SetAttr("reason", e.reason)
		if e.endpoint != "" {
			ce.AddNew(ns.Colibri2, "endpoint").SetAttr("id", e.endpoint)
		}
		reason = append(reason, ce)
	}
	return stanza.ErrorReply(iq, stanza.Condition{Name: e.cond, Type: e.typ}, e.text, reason...)
}
