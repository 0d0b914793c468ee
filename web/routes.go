package web

import (
	"log/slog"
	"net/http"

	"meetd/conf"
)

func routes(cfg *conf.Config, opts Options, log *slog.Logger) (http.Handler, error) {
	app, err := newWebApp(cfg, opts.PublicURL, log)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+XMPPWebSocketPath, orUnavailable(opts.XMPP, "xmpp"))
	mux.Handle(BOSHPath, orUnavailable(opts.BOSH, "bosh"))
	mux.Handle(ColibriWSPrefix, orUnavailable(opts.Bridge, "bridge"))
	mux.Handle(ColibriRelayWS, orUnavailable(opts.Bridge, "bridge"))
	if opts.Recordings != nil {
		mux.Handle("GET "+RecordingsPrefix, opts.Recordings)
	}
	if opts.Admin != nil {
		mux.Handle(AdminPath, opts.Admin)
		mux.Handle(AdminPath+"/", opts.Admin)
	}
	if err := deviceTestRoutes(mux, cfg); err != nil {
		return nil, err
	}
	// Everything else: config scripts, the web app, rooms and tenants.
	var root http.Handler = app
	if opts.RoomGate != nil {
		root = opts.RoomGate(app)
	}
	mux.Handle("/", root)
	return securityHeaders(headerPolicy(cfg, opts.PublicURL), tenantProtocols(cfg.Web.Tenants, mux)), nil
}

func orUnavailable(h http.Handler, what string) http.Handler {
	if h != nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, what+" not available", http.StatusServiceUnavailable)
	})
}
