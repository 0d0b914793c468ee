package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/netip"
	"net/url"
	"strconv"
	"sync/atomic"
	"time"

	"meetd/bridge"
	"meetd/conf"
	"meetd/focus"
	"meetd/web"
	"meetd/xmpp"
)

// Readiness states reported by /readyz and /about/health.
const (
	stateStarting = "starting"
	stateOK       = "ok"
	stateDraining = "draining"
)

// opsState is what the operations endpoints read; it is filled in as meetd
// starts and stops.
type opsState struct {
	status     atomic.Pointer[string]
	errors     atomic.Int64 // error-level log records
	candidates []string
	warnings   []string
	stats      func() []web.Metric // nil until the parts are wired
	refused    func() int64        // the web server's per-IP cap refusals; nil until wired
}

func newOpsState() *opsState {
	o := &opsState{}
	o.set(stateStarting)
	return o
}

func (o *opsState) set(s string) { o.status.Store(&s) }

func (o *opsState) snapshot() web.OpsSnapshot {
	st := *o.status.Load()
	ms := []web.Metric{
		{Name: "meetd_up", Help: "1 while meetd is ready, 0 while starting or draining", Type: "gauge", Value: b2f(st == stateOK)},
		{Name: "meetd_log_errors_total", Help: "error-level log records", Type: "counter", Value: float64(o.errors.Load())},
	}
	if o.refused != nil {
		ms = append(ms, web.Metric{Name: "meetd_http_refused_connections_total", Type: "counter",
			Help: "HTTPS connections closed because their address had http.connections_per_ip open", Value: float64(o.refused())})
	}
	if o.stats != nil {
		ms = append(ms, o.stats()...)
	}
	return web.OpsSnapshot{Ready: st == stateOK, Status: st, Draining: st == stateDraining, Candidates: o.candidates, Warnings: o.warnings, Metrics: ms}
}

func b2f(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// statsOf returns the metrics of the wired parts. Rooms and participants
// come from the conference MUC (participants = occupants minus the focus,
// one per room).
func statsOf(xs *xmpp.Server, br *bridge.Bridge, fc *focus.Focus) func() []web.Metric {
	return func() []web.Metric {
		x, f := xs.Stats(), fc.Stats()
		var b bridge.Stats
		var ep endpointSums
		if br != nil {
			b, ep = br.Stats(), endpointTotals(br.EndpointStats())
		} else {
			ep = endpointTotals(nil)
		}
		g := func(name, help string, v float64, labels ...string) web.Metric {
			return web.Metric{Name: name, Help: help, Type: "gauge", Labels: labels, Value: v}
		}
		c := func(name, help string, v uint64, labels ...string) web.Metric {
			return web.Metric{Name: name, Help: help, Type: "counter", Labels: labels, Value: float64(v)}
		}
		const xmppRefusedHelp = "XMPP streams and logins refused or closed by a limit, by reason"
		const dropHelp = "media packets the bridge dropped, by reason"
		const lostHelp = "media packets lost (uplink: gaps the bridge NACKed; downlink: reported lost by receivers' transport-cc)"
		const bytesHelp = "SRTP/SRTCP bytes the bridge read from (in) and wrote to (out) endpoints"
		return append([]web.Metric{
			g("meetd_rooms", "conference rooms", float64(x.Rooms)),
			g("meetd_participants", "participants in conference rooms (the focus not counted)", float64(max(0, x.Occupants-x.Rooms))),
			g("meetd_xmpp_sessions", "client XMPP sessions (WebSocket, BOSH, TCP)", float64(x.Sessions)),
			g("meetd_xmpp_preauth_streams", "client XMPP streams not logged in yet", float64(x.PreAuth)),
			c("meetd_xmpp_refused_total", xmppRefusedHelp, x.RefusedConns, "reason", "connections_per_ip"),
			c("meetd_xmpp_refused_total", xmppRefusedHelp, x.RefusedLogins, "reason", "logins_per_minute"),
			c("meetd_xmpp_refused_total", xmppRefusedHelp, x.PreAuthEvicted, "reason", "preauth_evicted"),
			c("meetd_xmpp_ip_table_full_total", "times the XMPP per-IP table was full of open connections", x.IPTableFull),
			c("meetd_bridge_forwarded_packets_total", "RTP packets queued towards receivers", b.Forwarded),
			c("meetd_bridge_rtcp_relayed_total", "RTCP feedback packets relayed", b.RTCPRelayed),
			c("meetd_bridge_retransmitted_packets_total", "RTP packets resent (RTX) in answer to NACKs", b.Retransmitted),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.QueueDrops, "reason", "queue_full"),
			c("meetd_bridge_send_refused_datagrams_total", "datagrams the media socket refused to send (buffer full, no route)", b.SendDrops),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.Unroutable, "reason", "unroutable"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.Garbage, "reason", "garbage"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.SRTPErrors, "reason", "srtp"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.UnknownSSRC, "reason", "unknown_ssrc"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.BadPayloadType, "reason", "bad_payload_type"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.BadPacket, "reason", "bad_packet"),
			c("meetd_bridge_dropped_packets_total", dropHelp, b.SilenceDrops, "reason", "silence"),
			g("meetd_bridge_endpoints", "endpoints on the bridge", float64(ep.n)),
			c("meetd_bridge_bytes_total", bytesHelp, b.BytesIn, "direction", "in"),
			c("meetd_bridge_bytes_total", bytesHelp, b.BytesOut, "direction", "out"),
			c("meetd_bridge_lost_packets_total", lostHelp, b.LostIn, "direction", "uplink"),
			c("meetd_bridge_lost_packets_total", lostHelp, b.LostOut, "direction", "downlink"),
			g("meetd_bridge_rtt_seconds_max", "largest ICE round-trip time of the endpoints", ep.rttMax.Seconds()),
			c("meetd_focus_rejected_iqs_total", "IQs the focus answered with an error", uint64(f.RejectedIQs)),
			c("meetd_focus_colibri_errors_total", "failed Colibri2 requests to the bridge", uint64(f.ColibriErrors)),
			c("meetd_focus_dropped_events_total", "room events dropped because a room's queue was full", uint64(f.DroppedEvents)),
			c("meetd_focus_refused_bridge_presences_total", "brewery stats presences from JIDs not in [bridges] allow", uint64(f.RefusedBridges)),
		}, ep.sizeMetrics()...)
	}
}

// conferenceSizes are the buckets of meetd_bridge_conferences: a fixed set
// of series however many conferences run (no per-room series: room names
// would make the series unbounded and are private).
func conferenceSizes() []sizeBucket {
	return []sizeBucket{{"1", 1, 1}, {"2", 2, 2}, {"3-4", 3, 4}, {"5-9", 5, 9}, {"10-19", 10, 19}, {"20-49", 20, 49}, {"50+", 50, 1 << 30}}
}

type sizeBucket struct {
	label    string
	min, max int
}

// sizeMetrics counts the conferences on the bridge by their endpoints.
func (s endpointSums) sizeMetrics() []web.Metric {
	buckets := conferenceSizes()
	out := make([]web.Metric, len(buckets))
	for i, b := range buckets {
		n := 0
		for _, size := range s.perConf {
			if size >= b.min && size <= b.max {
				n++
			}
		}
		out[i] = web.Metric{Name: "meetd_bridge_conferences", Type: "gauge", Labels: []string{"endpoints", b.label}, Value: float64(n),
			Help: "conferences on the bridge by their number of endpoints"}
	}
	return out
}

// endpointSums sums up the bridge's per-endpoint figures; meetd exports no
// per-endpoint or per-room series (ids change with every join, room names
// are private and unbounded).
type endpointSums struct {
	n       int
	rttMax  time.Duration
	perConf map[string]int // endpoints by conference
}

func endpointTotals(es []bridge.EndpointStats) endpointSums {
	s := endpointSums{perConf: map[string]int{}}
	for _, e := range es {
		s.n++
		s.rttMax = max(s.rttMax, e.RTT)
		s.perConf[e.Conference]++
	}
	return s
}

// mediaCandidates lists the host candidates clients are given, e.g.
// "udp 203.0.113.7:10000".
func mediaCandidates(advertise []string, media net.Addr) []string {
	if media == nil {
		return nil // no built-in bridge
	}
	port := 0
	if u, ok := media.(*net.UDPAddr); ok {
		port = u.Port
	}
	out := make([]string, 0, len(advertise))
	for _, ip := range advertise {
		out = append(out, "udp "+net.JoinHostPort(ip, strconv.Itoa(port)))
	}
	return out
}

// mediaWarnings says when no advertised address is public: clients
// elsewhere on the internet then cannot reach the media port.
func mediaWarnings(domain string, advertise []string) []string {
	for _, s := range advertise {
		ip, err := netip.ParseAddr(s)
		if err == nil && !ip.IsPrivate() && !ip.IsLoopback() && !ip.IsLinkLocalUnicast() && !ip.IsUnspecified() {
			return nil
		}
	}
	if domain == "localhost" {
		return nil
	}
	return []string{fmt.Sprintf("media.advertise %v holds only private or loopback addresses: "+
		"clients outside this network cannot send media to this server; list its public IP", advertise)}
}

// countingHandler counts error-level records for meetd_log_errors_total.
type countingHandler struct {
	slog.Handler
	n *atomic.Int64
}

func (h countingHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Level >= slog.LevelError {
		h.n.Add(1)
	}
	return h.Handler.Handle(ctx, r)
}

func (h countingHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return countingHandler{h.Handler.WithAttrs(as), h.n}
}

func (h countingHandler) WithGroup(name string) slog.Handler {
	return countingHandler{h.Handler.WithGroup(name), h.n}
}

// countErrors returns log with error-level records counted.
func (o *opsState) countErrors(log *slog.Logger) *slog.Logger {
	return slog.New(countingHandler{log.Handler(), &o.errors})
}

// start fills in what the parts report, warns about the media addresses,
// and binds the front listeners (ACME port 80, ops), adding their loops to
// p.runners.
func (o *opsState) start(ctx context.Context, cfg *conf.Config, srv *web.Server, pub *url.URL, p *parts, log *slog.Logger) error {
	o.stats, o.refused = p.stats, srv.RefusedConnections
	o.candidates = mediaCandidates(cfg.Media.Advertise, p.mediaAddr)
	o.warnings = append(mediaWarnings(cfg.Domain, cfg.Media.Advertise), acmeWarnings(cfg)...)
	o.warnings = append(o.warnings, cfg.Web.PrivacyWarnings()...)
	for _, w := range o.warnings {
		log.Warn("meetd: " + w)
	}
	rs, err := frontRunners(ctx, cfg, srv, pub, web.OpsHandler(o.snapshot), log)
	if err != nil {
		return err
	}
	p.runners = append(p.runners, rs...)
	return nil
}
