package main

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"net"

	"meetd/conf"
	"meetd/xmpp"
)

// xmppListen opens the XMPP TCP listeners once the web server has the TLS
// certificate: client connections ([xmpp] c2s_listen, STARTTLS with that
// certificate) and external components ([xmpp] component_listen).
type xmppListen func(ctx context.Context, tlsConf *tls.Config, out io.Writer)

// xmppListener returns the xmppListen for xs. A port that cannot be bound
// is logged and skipped, as Prosody does: the web clients do not need it.
func xmppListener(cfg *conf.Config, xs *xmpp.Server, log *slog.Logger) xmppListen {
	return func(ctx context.Context, tlsConf *tls.Config, out io.Writer) {
		if addr := cfg.XMPP.C2SListen; addr != "" {
			listenXMPP(ctx, log, out, "xmpp.c2s_listen", addr, "c2s %s (STARTTLS required)", func(ln net.Listener) error {
				return xs.ServeC2S(ln, tlsConf)
			})
		}
		if addr := cfg.XMPP.ComponentListen; addr != "" && len(cfg.XMPP.Components) > 0 {
			secrets := make(map[string]string, len(cfg.XMPP.Components))
			for _, c := range cfg.XMPP.Components {
				secrets[c.Domain] = c.Secret
			}
			listenXMPP(ctx, log, out, "xmpp.component_listen", addr, "components %s", func(ln net.Listener) error {
				return xs.ServeComponents(ln, secrets)
			})
		}
	}
}

// listenXMPP binds addr, serves it and announces it on out with format
// (one %s: the address).
func listenXMPP(ctx context.Context, log *slog.Logger, out io.Writer, key, addr, format string, serve func(net.Listener) error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err == nil {
		if err = serve(ln); err != nil {
			_ = ln.Close()
		}
	}
	if err != nil {
		log.Error("meetd: "+key+": not listening", "addr", addr, "err", err)
		return
	}
	fmt.Fprintf(out, "meetd: xmpp "+format+"\n", ln.Addr())
}
