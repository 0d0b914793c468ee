package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"time"

	"meetd/conf"
	"meetd/web"
)

// frontRunners binds the listeners besides HTTPS — the ACME port-80
// listener and the operations listener — and returns the loops that serve
// them, plus the ACME manager's renewal loop. Bind errors are returned at
// once, naming the key.
func frontRunners(ctx context.Context, cfg *conf.Config, srv *web.Server, pub *url.URL, ops http.Handler, log *slog.Logger) ([]runner, error) {
	var rs []runner
	if m := srv.ACME(); m != nil {
		rs = append(rs, runner{"acme", m.Run})
		if cfg.ACME.HTTPListen != "" {
			r, err := httpRunner(ctx, "acme.http_listen", cfg.ACME.HTTPListen, m.HTTPHandler(redirectHTTPS(pub)), log)
			if err != nil {
				return nil, err
			}
			rs = append(rs, r)
		}
	}
	if cfg.Ops.Listen != "" {
		r, err := httpRunner(ctx, "ops.listen", cfg.Ops.Listen, ops, log)
		if err != nil {
			return nil, err
		}
		rs = append(rs, r)
	}
	return rs, nil
}

// httpRunner binds addr now and serves plain HTTP on it until the run
// context ends.
func httpRunner(ctx context.Context, key, addr string, h http.Handler, log *slog.Logger) (runner, error) {
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", addr)
	if err != nil {
		return runner{}, fmt.Errorf("%s: %w", key, err)
	}
	log.Info("meetd: listening", "key", key, "addr", ln.Addr().String())
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: time.Minute,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	return runner{key, func(ctx context.Context) error {
		go func() { <-ctx.Done(); _ = srv.Close() }()
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	}}, nil
}

// redirectHTTPS sends plain-HTTP visitors to the same path on pub.
func redirectHTTPS(pub *url.URL) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u := *pub
		u.Path, u.RawQuery = r.URL.Path, r.URL.RawQuery
		http.Redirect(w, r, u.String(), http.StatusMovedPermanently)
	})
}
