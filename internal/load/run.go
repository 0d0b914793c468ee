package load

import (
	"context"
	"crypto/tls"
	"fmt"
	"log/slog"
	"net"
	"strings"
	"sync"
	"time"

	"github.com/pion/dtls/v3/pkg/crypto/selfsign"
	"github.com/pion/logging"
)

// Signalling adapters.
const (
	SignalJitsi  = "jitsi"  // meetd (or any Jitsi deployment): XMPP over WebSocket, Jingle
	SignalJanus  = "janus"  // Janus VideoRoom over its HTTP API
	SignalGalene = "galene" // Galène over its WebSocket protocol; URL is the ws:// endpoint
)

// Config describes one load run.
type Config struct {
	Signal    string // SignalJitsi (default), SignalJanus or SignalGalene
	URL       string // meetd's https base URL, e.g. https://127.0.0.1:8443
	Domain    string // XMPP domain; default localhost
	Room      string // MUC room name; default "load"
	Rooms     int    // endpoints are spread over this many rooms (room-0, room-1, …) when > 1
	Endpoints int    // emulated participants
	Senders   int    // the first Senders endpoints publish audio and video
	Probes    int    // receivers in probe mode (decrypt, latency); the rest are sinks
	// Simulcast sends three VP8 layers (else only the first).
	Simulcast bool
	// SVC sends one VP9 SSRC with three spatial layers (K-SVC, the
	// LayerBitrates and resolutions of the simulcast layers) instead of VP8
	// simulcast; endpoints announce vp9 and need it in the offer (svc.go).
	SVC bool
	// AV1 makes the SVC sender send AV1 with the dependency descriptor
	// (three spatial layers, L3T1_KEY-like) instead of VP9; endpoints
	// announce av1 and need it and the descriptor in the offer (av1.go).
	AV1              bool
	LayerBitrates    [3]int // bit/s per layer; default 150k, 500k, 2.5M
	FPS              int    // default 30
	KeyframeInterval time.Duration
	JoinInterval     time.Duration // pause between starting two joins
	JoinTimeout      time.Duration // per endpoint; default 30 s
	ICENet           string        // CIDR for local candidates; empty = loopback
	// Regions, when set, put a region in each Jitsi endpoint's MUC
	// presence (docs/scale-out.md#selection): by room (room i gets
	// Regions[i % len]), or with SplitRegions by position within the room,
	// so that every room spans the regions.
	Regions      []string
	SplitRegions bool
	Seed         uint64
	Log          *slog.Logger
}

func (c *Config) defaults() error {
	if c.URL == "" || c.Endpoints <= 0 {
		return fmt.Errorf("%w: url and endpoints are required", ErrConfig)
	}
	c.URL = strings.TrimRight(c.URL, "/")
	if c.Signal == "" {
		c.Signal = SignalJitsi
	}
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	if c.Room == "" {
		c.Room = "load"
	}
	if c.LayerBitrates == [3]int{} {
		c.LayerBitrates = [3]int{150_000, 500_000, 2_500_000}
	}
	if c.FPS <= 0 {
		c.FPS = 30
	}
	if c.JoinTimeout <= 0 {
		c.JoinTimeout = 30 * time.Second
	}
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	c.Senders = min(max(c.Senders, 0), c.Endpoints)
	return nil
}

// run is the shared state of one load run.
type run struct {
	cfg         Config
	ctx         context.Context
	epoch       time.Time
	xmppURL     string
	cert        tls.Certificate
	fingerprint string
	ice         iceParams
}

// roomOf is the MUC room endpoint idx joins.
func (r *run) roomOf(idx int) string {
	if r.cfg.Rooms <= 1 {
		return r.cfg.Room
	}
	return fmt.Sprintf("%s-%d", r.cfg.Room, idx%r.cfg.Rooms)
}

// regionOf is the region endpoint idx announces ("" none).
func (r *run) regionOf(idx int) string {
	if len(r.cfg.Regions) == 0 {
		return ""
	}
	rooms := max(r.cfg.Rooms, 1)
	i := idx % rooms
	if r.cfg.SplitRegions {
		i = idx / rooms
	}
	return r.cfg.Regions[i%len(r.cfg.Regions)]
}

func (r *run) since() int64              { return int64(time.Since(r.epoch)) }
func (r *run) sinceAt(t time.Time) int64 { return int64(t.Sub(r.epoch)) }
func (r *run) isProbe(idx int) bool {
	if r.cfg.Probes <= 0 {
		return false
	}
	stride := max(1, r.cfg.Endpoints/r.cfg.Probes)
	return idx%stride == 0 && idx/stride < r.cfg.Probes
}

// Load is a running set of emulated endpoints.
type Load struct {
	r      *run
	cancel context.CancelFunc
	mu     sync.Mutex
	eps    []*endpoint
	failed []error
	done   chan struct{}
}

// Start joins the configured endpoints in the background; Joined reports
// progress and Wait waits for all joins to finish.
func Start(ctx context.Context, cfg Config) (*Load, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	r := &run{cfg: cfg, epoch: time.Now(), ice: iceParams{logger: logging.NewDefaultLoggerFactory()}}
	r.ice.logger.(*logging.DefaultLoggerFactory).DefaultLogLevel = logging.LogLevelError
	if cfg.ICENet != "" {
		_, n, err := net.ParseCIDR(cfg.ICENet)
		if err != nil {
			return nil, fmt.Errorf("%w: ice net: %w", ErrConfig, err)
		}
		r.ice.allow = n
	}
	r.xmppURL = "wss://" + strings.TrimPrefix(strings.TrimPrefix(cfg.URL, "https://"), "wss://") + "/xmpp-websocket"
	cert, err := selfsign.GenerateSelfSigned()
	if err != nil {
		return nil, err
	}
	r.cert = cert
	if r.fingerprint, err = localFingerprint(cert); err != nil {
		return nil, err
	}
	lctx, cancel := context.WithCancel(ctx)
	r.ctx = lctx
	l := &Load{r: r, cancel: cancel, done: make(chan struct{})}
	go l.joinAll()
	return l, nil
}

func (l *Load) joinAll() {
	defer close(l.done)
	switch l.r.cfg.Signal {
	case SignalJanus:
		l.joinJanus()
		return
	case SignalGalene:
		l.joinGalene()
		return
	}
	eps := make([]*endpoint, l.r.cfg.Endpoints)
	for i := range eps {
		eps[i] = newEndpoint(l.r, i)
	}
	l.joinEach(eps, func(ctx context.Context, e *endpoint) error { return e.join(ctx) })
}

// joinEach joins eps concurrently, JoinInterval apart, and waits for all.
func (l *Load) joinEach(eps []*endpoint, join func(context.Context, *endpoint) error) {
	var wg sync.WaitGroup
	for _, e := range eps {
		l.mu.Lock()
		l.eps = append(l.eps, e)
		l.mu.Unlock()
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(l.r.ctx, l.r.cfg.JoinTimeout)
			defer cancel()
			if err := join(ctx, e); err != nil {
				e.err = err
				l.mu.Lock()
				l.failed = append(l.failed, fmt.Errorf("endpoint %d: %w", e.idx, err))
				l.mu.Unlock()
				l.r.cfg.Log.Warn("join failed", "endpoint", e.idx, "err", err)
			}
		}()
		if l.r.cfg.JoinInterval > 0 {
			select {
			case <-time.After(l.r.cfg.JoinInterval):
			case <-l.r.ctx.Done():
			}
		}
	}
	wg.Wait()
}

// Wait blocks until every endpoint has joined or failed, and returns the
// join failures.
func (l *Load) Wait(ctx context.Context) []error {
	select {
	case <-l.done:
	case <-ctx.Done():
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]error(nil), l.failed...)
}

// Snapshot sums the counters of all endpoints now.
func (l *Load) Snapshot() *Totals {
	t := &Totals{At: time.Now()}
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.eps {
		t.add(&e.c)
	}
	return t
}

// Connected counts endpoints whose media path is up (for Janus: receiving legs).
func (l *Load) Connected() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, e := range l.eps {
		if e.ready.Load() && !e.offerer {
			n++
		}
	}
	return n
}

// Profile is the SRTP profile the first connected endpoint negotiated.
func (l *Load) Profile() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, e := range l.eps {
		if e.ready.Load() {
			return e.keys.profile
		}
	}
	return ""
}

// Close stops media and makes every endpoint leave.
func (l *Load) Close() {
	l.cancel()
	<-l.done
	l.mu.Lock()
	eps := append([]*endpoint(nil), l.eps...)
	l.mu.Unlock()
	var wg sync.WaitGroup
	for _, e := range eps {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e.close()
		}()
	}
	wg.Wait()
}
