package web

import (
	"log/slog"
	"net/http"
	"strings"

	"meetd/conf"
)

func routes(cfg *conf.Config, opts Options, log *slog.Logger) (http.Handler, error) {
	js, err := renderConfigJS(newClientConfig(cfg, opts.PublicURL))
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("GET "+ConfigJSPath, configJSHandler(js))
	mux.Handle("GET "+XMPPWebSocketPath, orUnavailable(opts.XMPP, "xmpp"))
	mux.Handle(ColibriWSPrefix, orUnavailable(opts.Bridge, "bridge"))
	mux.Handle("GET /{$}", pageHandler(cfg, ""))
	mux.HandleFunc("GET /{room}", func(w http.ResponseWriter, r *http.Request) {
		room := r.PathValue("room")
		if strings.Contains(room, ".") {
			http.NotFound(w, r)
			return
		}
		pageHandler(cfg, room).ServeHTTP(w, r)
	})
	return securityHeaders(mux), nil
}

func configJSHandler(body []byte) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/javascript; charset=utf-8")
		w.Header().Set("Cache-Control", "no-cache")
		_, _ = w.Write(body)
	})
}

func orUnavailable(h http.Handler, what string) http.Handler {
	if h != nil {
		return h
	}
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, what+" not available", http.StatusServiceUnavailable)
	})
}

// securityHeaders sets headers every response carries.
func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		next.ServeHTTP(w, r)
	})
}
