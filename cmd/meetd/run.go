package main

import (
	"context"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"meetd/bridge"
	"meetd/conf"
	"meetd/focus"
	"meetd/web"
	"meetd/xmpp"
)

// wire builds the parts as the contract orders them: XMPP server → bridge
// (binds UDP) → bridge session → focus session → focus. On error it closes
// what it built.
// p is a local, not the named result: a `return nil, err` sets the result to nil before the deferred
// close runs, and the close must still see what was built.
func wire(ctx context.Context, cfg *conf.Config, pub *url.URL, log *slog.Logger) (_ *parts, err error) {
	a := cfg.Addresses()
	p := &parts{}
	var services func(jid string) []xmpp.ExternalService // set once the relay runs, before clients connect
	defer func() {
		if err != nil {
			err = joinClose(err, p)
		}
	}()
	xs, err := newXMPP(cfg, xmpp.Config{
		Domain: a.Domain, MUCDomain: a.MUC, FocusDomain: a.Focus,
		AuthDomain: a.Auth, InternalMUCDomain: a.InternalMUC,
		RoomCreators: []string{a.FocusJID},
		Lobby: xmpp.Lobby{Domain: a.Lobby, ByDefault: cfg.Rooms.Lobby,
			HostsOnly: cfg.Auth.GuestsWaitForHost},
		GuestDomain:   guestDomain(cfg),
		HiddenDomain:  a.Recorder,
		ResumeTimeout: resumeTimeout(cfg.XMPP.ResumeTimeout),
		ExternalServices: func(jid string) []xmpp.ExternalService {
			if services == nil {
				return nil
			}
			return services(jid)
		},
		Logger: log.With("part", "xmpp"),
	})
	if err != nil {
		return nil, fmt.Errorf("xmpp: %w", err)
	}
	p.onClose(xs.Close)
	for _, d := range cfg.TenantMUCs() {
		if err := xs.AddConferenceMUC(d); err != nil {
			return nil, fmt.Errorf("web.tenants: %w", err)
		}
	}
	if err := addComponents(xs, a.Domain, log.With("part", "xmpp")); err != nil {
		return nil, err
	}
	br, jvb, err := wireBridge(ctx, cfg, pub, xs, log, p)
	if err != nil {
		return nil, err
	}
	if p.relay, err = newRelay(cfg, br, log.With("part", "turn")); err != nil {
		return nil, fmt.Errorf("turn: %w", err)
	}
	if p.relay != nil {
		p.onClose(p.relay.Close)
		services = relayServices(p.relay, cfg, pub)
	}
	p.paths = mediaPaths(br, p.relay)
	if err := wireAppointments(ctx, cfg, pub, log, p); err != nil { // appointment_wire.go
		return nil, err
	}
	rec, recHandler, err := newRecording(cfg, pub, br, p.appointments.recordingDelivery(), log) // recordings.go
	if err != nil {
		return nil, err
	}
	var recorder focus.Recorder
	if rec != nil {
		recorder = rec
		p.onClose(closeRecording(rec))
		p.runners = append(p.runners, runner{"recording", func(ctx context.Context) error { rec.Run(ctx); return nil }})
	}
	p.recordings = recHandler
	fs, err := xs.Attach(ctx, a.FocusSession, a.Focus, a.Recorder) // the recorder occupant's domain (docs/recording.md)
	if err != nil {
		return nil, fmt.Errorf("attach focus: %w", err)
	}
	p.onClose(fs.Close)
	fc := focus.New(focus.Config{
		Domain: a.Domain, MUCDomain: a.MUC, FocusDomain: a.Focus, BreweryRoom: a.Brewery,
		TenantMUCDomains:  cfg.TenantMUCs(),
		Recorder:          recorder,
		RecorderDomain:    a.Recorder,
		GuestsWaitForHost: cfg.Auth.GuestsWaitForHost,
		HostOnlyRoom:      appointmentRooms(cfg),
		VideoCodecs:       cfg.Media.Codecs,
		OpusRED:           cfg.Media.OpusRED,
		BridgeAllow:       cfg.BridgeAllow(),
		Logger:            log.With("part", "focus"),
	}, fs)
	p.xmpp = xs.WebSocketHandler()
	p.focus, p.xs = fc, xs
	p.participants = func() int { x := xs.Stats(); return max(0, x.Occupants-x.Rooms) }
	p.stats = statsOf(xs, br, fc)
	p.stats = withMediaPathStats(p.stats, p.relay, br)
	p.bosh = xs.BOSHHandler()
	p.listenXMPP = xmppListener(cfg, xs, log.With("part", "xmpp"))
	if br != nil {
		// The bridge reports lost client transports to the focus (docs/networks.md).
		br.SetTransportLost(func(room, meeting, ep string) { fc.TransportLost(ctx, room, meeting, ep) })
		p.bridge, p.mediaAddr = br.WebSocketHandler(), br.UDPAddr()
		p.runners = append(p.runners, runner{"bridge", func(ctx context.Context) error { return br.Run(ctx, jvb) }})
	}
	p.runners = append(p.runners, runner{"focus", fc.Run})
	return p, nil
}

// wireBridge builds the built-in bridge and its XMPP session; with
// [bridges] builtin = false it builds nothing (nil, nil, nil): the focus
// then uses the bridges that join the brewery over the network.
func wireBridge(ctx context.Context, cfg *conf.Config, pub *url.URL, xs *xmpp.Server, log *slog.Logger, p *parts) (*bridge.Bridge, *xmpp.LocalSession, error) {
	if !cfg.Bridges.Builtin {
		log.Info("built-in bridge off: conferences go to bridges in the brewery", "brewery", cfg.Addresses().Brewery)
		return nil, nil, nil
	}
	a := cfg.Addresses()
	relayTLS, err := relayTLSConfig("bridges.relay_ca_file", cfg.Bridges.RelayCAFile)
	if err != nil {
		return nil, nil, err
	}
	br, err := bridge.New(bridge.Config{
		ID: conf.BridgeID, Version: readBuildInfo().bridgeVersion(),
		UDPListen: cfg.Media.Listen, TCPListen: cfg.Media.TCPListen, AdvertiseIPs: cfg.Media.Advertise,
		ForwardSilence: cfg.Media.ForwardSilence,
		WebSocketURL:   web.BridgeWebSocketURL(pub, conf.BridgeID),
		BreweryRoom:    a.Brewery,
		RelayTLS:       relayTLS,
		Logger:         log.With("part", "bridge"),
	})
	if err != nil {
		return nil, nil, fmt.Errorf("bridge: %w", err)
	}
	p.onClose(br.Close)
	jvb, err := xs.Attach(ctx, a.BridgeSession)
	if err != nil {
		return nil, nil, fmt.Errorf("attach bridge: %w", err)
	}
	p.onClose(jvb.Close)
	return br, jvb, nil
}

// resumeTimeout converts [xmpp] resume_timeout (seconds, 0 = off) to the
// xmpp.Config value (negative = off).
func resumeTimeout(seconds int) time.Duration {
	if seconds <= 0 {
		return -1
	}
	return time.Duration(seconds) * time.Second
}

// guestDomain is the guests' host (config.js hosts.anonymousdomain) with
// guests_wait_for_host, so the web app's login dialog logs hosts in on the
// main domain; "" otherwise.
func guestDomain(cfg *conf.Config) string {
	if cfg.Auth.GuestsWaitForHost {
		return cfg.Addresses().Guest
	}
	return ""
}
