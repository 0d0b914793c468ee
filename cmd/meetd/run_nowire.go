//go:build meetd_nowire

package main

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/url"

	"meetd/conf"
)

// wire, in builds tagged meetd_nowire, stands in for the real wiring in
// run.go: it binds the media port and nothing else, so the command's own
// code (flags, config, logging, listener, signals, shutdown) can be built
// and tested while the XMPP server, bridge and focus are missing or broken.
// The web server answers 503 on /xmpp-websocket and /colibri-ws/.
func wire(ctx context.Context, cfg *conf.Config, _ *url.URL, log *slog.Logger) (*parts, error) {
	var lc net.ListenConfig
	pc, err := lc.ListenPacket(ctx, "udp", cfg.Media.Listen)
	if err != nil {
		return nil, fmt.Errorf("media.listen: %w", err)
	}
	log.Warn("meetd: built with meetd_nowire: no XMPP server, bridge or focus")
	p := &parts{mediaAddr: pc.LocalAddr()}
	p.onClose(pc.Close)
	return p, nil
}
