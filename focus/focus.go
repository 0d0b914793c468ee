package focus

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// Conn is the XMPP session the focus runs on. In meetd it is the in-process
// session focus@auth.<domain>/focus, which also receives every stanza sent to
// the focus component domain.
type Conn interface {
	JID() string
	Send(ctx context.Context, st *dom.Element) error
	Recv(ctx context.Context) (*dom.Element, error)
}

// Config holds the addresses the focus works with.
type Config struct {
	Domain      string // main XMPP domain, e.g. "localhost"
	MUCDomain   string // conference MUC, default "conference."+Domain
	FocusDomain string // conference IQ target, default "focus."+Domain
	BreweryRoom string // bridges' MUC, default "jvbbrewery@internal.auth."+Domain
	Logger      *slog.Logger

	// BreakoutMUCDomain is the MUC of breakout rooms, whose rooms are
	// conferences too; default "breakout."+Domain.
	BreakoutMUCDomain string

	// AVModerationComponent is the AV moderation component's address, whose
	// notices the focus follows; default "avmoderation."+Domain.
	AVModerationComponent string

	// Recorder records conferences on moderators' Jibri requests; nil
	// refuses them (service-unavailable).
	Recorder Recorder
	// RecorderDomain is the hidden domain of the recorder occupant a
	// recording adds to its room (config.js hiddenDomain); the focus's
	// session must alias it. Default "recorder."+Domain.
	RecorderDomain string

	// TenantMUCDomains are further conference MUCs (conference.<tenant>.<domain>)
	// whose rooms the focus runs too.
	TenantMUCDomains []string

	// GuestsWaitForHost ([auth] guests_wait_for_host) turns auto-owner off:
	// hosts are owners by login, a guest never becomes moderator by being
	// the longest present (docs/lobby.md).
	GuestsWaitForHost bool
	// HostOnlyRoom turns auto-owner off for the rooms it names (a room
	// localpart): appointment rooms, whose host is owner by token and whose
	// client must not become moderator when the host leaves. Nil: none.
	HostOnlyRoom func(room string) bool

	// VideoCodecs are the video codecs offered, most preferred first
	// ([media] codecs: "av1", "vp9", "vp8", "h264"); empty: VP8 only.
	VideoCodecs []string
	// OpusRED offers Opus in RED to clients advertising it ([media] opus_red).
	OpusRED bool

	// BridgeAllow lists who may act as a bridge in the brewery: full or
	// bare JIDs and domains (bridgeallow.go); nil means every account on
	// "auth."+Domain. Stats presences from anyone else are ignored.
	BridgeAllow []string

	// HealthInterval is how often the focus health-checks each bridge
	// (health.go); 0 means 10 s, negative turns the checks off.
	HealthInterval time.Duration
}

func (c Config) withDefaults() Config {
	if c.Domain == "" {
		c.Domain = "localhost"
	}
	if c.MUCDomain == "" {
		c.MUCDomain = "conference." + c.Domain
	}
	if c.FocusDomain == "" {
		c.FocusDomain = "focus." + c.Domain
	}
	if c.BreweryRoom == "" {
		c.BreweryRoom = "jvbbrewery@internal.auth." + c.Domain
	}
	if c.BreakoutMUCDomain == "" {
		c.BreakoutMUCDomain = "breakout." + c.Domain
	}
	if c.RecorderDomain == "" {
		c.RecorderDomain = "recorder." + c.Domain
	}
	if c.AVModerationComponent == "" {
		c.AVModerationComponent = "avmoderation." + c.Domain
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	if c.BridgeAllow == nil {
		c.BridgeAllow = []string{"auth." + c.Domain}
	}
	if c.HealthInterval == 0 {
		c.HealthInterval = defaultHealthInterval
	}
	return c
}

// Stats are counters of what the focus refused or failed at.
type Stats struct {
	RejectedIQs   int64 // IQs answered with an error (non-participants, bad input)
	ColibriErrors int64 // failed Colibri2 requests
	DroppedEvents int64 // room events dropped because a room's queue was full
	// RefusedBridges counts brewery stats presences ignored because the
	// sender is not on the bridge allow-list.
	RefusedBridges int64
}

// Focus runs conferences. Create it with New and start it with Run.
type Focus struct {
	cfg     Config
	conn    Conn
	log     *slog.Logger
	iqs     *tracker
	bridges *brewery

	mu      sync.Mutex
	rooms   map[string]*room // by lower-case bare room JID
	leaving map[string]*room // rooms shutting down, by the same key
	wg      sync.WaitGroup

	rejected, colibriErrs, dropped atomic.Int64
	refusedBridges                 atomic.Int64
	refusedLogged                  refusals    // JIDs already logged as refused bridges
	draining                       atomic.Bool // see Drain

	emptyRoomTimeout time.Duration // how long to stay in a room nobody joins
	iqTimeout        time.Duration // how long to wait for any IQ answer (iq.go)
	colibriFaultFor  time.Duration // how long a bridge that timed out gets no conference
}

// New returns a focus that will use conn once Run is called.
func New(cfg Config, conn Conn) *Focus {
	cfg = cfg.withDefaults()
	return &Focus{
		cfg:     cfg,
		conn:    conn,
		log:     cfg.Logger,
		iqs:     newTracker(),
		bridges: newBrewery(cfg.BridgeAllow),
		rooms:   make(map[string]*room),
		leaving: make(map[string]*room),

		emptyRoomTimeout: emptyRoomTimeout,
		iqTimeout:        iqTimeout,
		colibriFaultFor:  colibriFaultFor,
	}
}

// Stats returns the focus's counters.
func (f *Focus) Stats() Stats {
	return Stats{RejectedIQs: f.rejected.Load(), ColibriErrors: f.colibriErrs.Load(), DroppedEvents: f.dropped.Load(),
		RefusedBridges: f.refusedBridges.Load()}
}

// focusJID is the bare JID clients must see as the focus (docs/protocols.md#focus-jid).
func (f *Focus) focusJID() string { return bareJID(f.conn.JID()) }

// Run joins the brewery and serves stanzas until ctx ends (nil) or the
// connection fails (the error). Room workers stop before Run returns.
func (f *Focus) Run(ctx context.Context) error {
	ctx, cancel := context.WithCancel(ctx)
	defer func() {
		cancel()
		f.wg.Wait()
	}()
	if err := f.joinBrewery(ctx); err != nil {
		return err
	}
	if f.cfg.HealthInterval > 0 {
		f.wg.Add(1)
		go func() {
			defer f.wg.Done()
			f.healthLoop(ctx, f.cfg.HealthInterval)
		}()
	}
	for {
		st, err := f.conn.Recv(ctx)
		if err != nil {
			if ctx.Err() != nil || errors.Is(err, io.EOF) {
				return nil
			}
			return fmt.Errorf("focus: recv: %w", err)
		}
		f.dispatch(ctx, st)
	}
}

// dispatch routes one incoming stanza. It never blocks on the network for
// long: room work runs on each room's own goroutine.
func (f *Focus) dispatch(ctx context.Context, st *dom.Element) {
	if f.forRecorder(st) { // jibri_occupant.go
		switch t := st.Attr("type"); {
		case st.Local == "iq" && (t == "get" || t == "set"):
			f.reject(ctx, st, "cancel", "service-unavailable")
		case st.Local == "presence" && t == "error":
			f.log.Warn("the recorder occupant could not join", "room", bareJID(st.Attr("from")))
		}
		return
	}
	switch st.Local {
	case "iq":
		f.handleIQ(ctx, st)
	case "presence":
		f.handlePresence(ctx, st)
	case "message":
		f.handleComponentMessage(ctx, st)
	}
}

func (f *Focus) handleIQ(ctx context.Context, iq *dom.Element) {
	switch typ := iq.Attr("type"); typ {
	case "result", "error":
		if !f.iqs.resolve(iq) {
			f.log.Debug("unexpected iq answer", "from", iq.Attr("from"), "type", typ)
		}
		return
	case "get", "set":
	default:
		return
	}
	payload := iq.FirstChild()
	switch {
	case payload.Is(ns.Focus, "conference") && iq.Attr("type") == "set":
		f.handleConferenceIQ(ctx, iq, payload)
	case payload.Is(ns.DiscoInfo, "query") && iq.Attr("type") == "get":
		f.send(ctx, f.discoInfo(iq))
	case f.post(ctx, iq.Attr("from"), false, func(r *room) { r.handleIQ(ctx, iq) }):
	case payload.Is(ns.Jingle, "jingle"):
		f.reject(ctx, iq, "cancel", "item-not-found", dom.New(ns.JingleErrors, "unknown-session"))
	default:
		f.reject(ctx, iq, "cancel", "service-unavailable")
	}
}

// reject answers iq with an error, counts it and logs it at debug level.
func (f *Focus) reject(ctx context.Context, iq *dom.Element, typ, condition string, extra ...*dom.Element) {
	f.rejected.Add(1)
	f.log.Debug("iq rejected", "from", iq.Attr("from"), "condition", condition)
	f.send(ctx, stanza.ErrorReply(iq, stanza.Condition{Name: condition, Type: typ}, "", extra...))
}

func (f *Focus) handlePresence(ctx context.Context, p *dom.Element) {
	from := p.Attr("from")
	if strings.EqualFold(bareJID(from), f.cfg.BreweryRoom) {
		switch f.bridges.update(p) {
		case breweryAppeared:
			f.forEachRoom(ctx, func(r *room) { r.retryInvites(ctx) })
		case breweryGone:
			f.forEachRoom(ctx, func(r *room) { r.bridgeGone(ctx, from) })
		case breweryRefused:
			f.refuseBridge(p)
		}
		return
	}
	f.post(ctx, from, false, func(r *room) { r.handlePresence(ctx, p) })
}

// refuseBridge counts a stats presence from an occupant that may not be a
// bridge and logs it once per real JID (once per occupant when the room
// hides real JIDs).
func (f *Focus) refuseBridge(p *dom.Element) {
	f.refusedBridges.Add(1)
	real := realJIDOf(p)
	key := bareJID(real)
	if key == "" {
		key = p.Attr("from")
	}
	if f.refusedLogged.first(key) {
		f.log.Warn("brewery occupant is not an allowed bridge; ignored", "occupant", p.Attr("from"),
			"real_jid", real, "hint", "[bridges] allow")
	}
}

// joinBrewery enters the bridges' MUC so their presences reach the focus.
func (f *Focus) joinBrewery(ctx context.Context) error {
	p := dom.New(ns.Client, "presence").SetAttr("to", f.cfg.BreweryRoom+"/focus")
	p.AddNew(ns.MUC, "x")
	if err := f.conn.Send(ctx, p); err != nil {
		return fmt.Errorf("focus: join brewery: %w", err)
	}
	return nil
}
