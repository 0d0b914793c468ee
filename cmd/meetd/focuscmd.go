package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"

	"meetd/conf"
	"meetd/focus"
	"meetd/xmpp/client"
	"meetd/xmpp/dom"
)

// runFocus is `meetd focus -config FILE`: the focus alone, as an XEP-0114
// component of another XMPP server (Prosody) that serves the clients, the
// conference MUC and the brewery (docs/prosody.md).
func runFocus(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("meetd focus", flag.ContinueOnError)
	path := fs.String("config", "", "the focus's TOML configuration `FILE` (focus.example.toml lists every key)")
	if code, ok := parseCommandFlags(fs, args, "meetd focus -config FILE", stdout, stderr); !ok {
		return code
	}
	if *path == "" || fs.NArg() > 0 {
		return badUsage(stderr, "meetd focus -config FILE")
	}
	cfg, err := conf.LoadFocusHost(*path)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	log := newLogger(stderr, cfg.Log)
	ctx, _, stop := watchSignals()
	defer stop()
	fmt.Fprintf(stdout, "meetd focus: component %s at %s, rooms on %s, bridges in %s\n",
		cfg.XMPP.Component, cfg.XMPP.Server, cfg.XMPP.MUC, cfg.XMPP.Brewery)
	if err := serveFocus(ctx, cfg, log); err != nil {
		fmt.Fprintf(stderr, "meetd focus: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// serveFocus connects as the component and runs a focus on each connection
// until ctx ends (nil) or the login fails for good (wrong secret). The
// rooms of a lost connection are gone: the clients rejoin, as after a
// restart of meetd.
func serveFocus(ctx context.Context, cfg *conf.FocusHost, log *slog.Logger) error {
	secret, err := firstLine(cfg.XMPP.SecretFile)
	if err != nil {
		return fmt.Errorf("xmpp.secret_file: %w", err)
	}
	xlog := log.With("part", "xmpp")
	cc := client.ComponentConfig{Addr: cfg.XMPP.Server, Domain: cfg.XMPP.Component, Secret: secret, Logger: xlog}
	run := func(ctx context.Context, c *client.Conn) error {
		fc := focus.New(focusHostConfig(cfg, log), componentFocusConn{c})
		xlog.Info("focus connected", "component", c.JID(), "brewery", cfg.XMPP.Brewery)
		return fc.Run(ctx)
	}
	err = client.KeepComponent(ctx, cc, client.Backoff{}, run)
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func focusHostConfig(cfg *conf.FocusHost, log *slog.Logger) focus.Config {
	return focus.Config{
		Domain: cfg.Domain, MUCDomain: cfg.XMPP.MUC, FocusDomain: cfg.XMPP.Component, BreweryRoom: cfg.XMPP.Brewery,
		BridgeAllow: cfg.Bridges.Allow,
		VideoCodecs: cfg.Media.Codecs,
		OpusRED:     cfg.Media.OpusRED,
		Logger:      log.With("part", "focus"),
	}
}

// componentFocusConn gives the focus on a component connection the
// address Jicofo has on a client connection, focus@<component>/focus: its
// room and brewery presences and its IQs carry it (the component may send
// from any address in its domain), so that the MUC sees one occupant and
// clients see the focus JID the conference answer names. Stanzas the focus
// addresses from elsewhere (answers from focus.<domain>) keep their from.
type componentFocusConn struct{ c *client.Conn }

func (f componentFocusConn) JID() string { return "focus@" + f.c.JID() + "/focus" }

func (f componentFocusConn) Send(ctx context.Context, st *dom.Element) error {
	if st.Attr("from") == "" {
		st.SetAttr("from", f.JID())
	}
	return f.c.Send(ctx, st)
}

func (f componentFocusConn) Recv(ctx context.Context) (*dom.Element, error) { return f.c.Recv(ctx) }
