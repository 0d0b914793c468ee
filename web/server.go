package web

import (
	"context"
	"crypto/tls"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"meetd/conf"
)

// Options are what the web server needs besides the configuration.
type Options struct {
	// PublicURL is the resolved base URL clients reach meetd at
	// (conf.Config.PublicURL with the bound port). Required.
	PublicURL *url.URL
	// XMPP serves XMPP over WebSocket at /xmpp-websocket.
	XMPP http.Handler
	// BOSH serves XMPP over BOSH at /http-bind (POST, and GET/OPTIONS).
	BOSH http.Handler
	// Bridge serves the bridge-channel WebSockets; it receives every path
	// under /colibri-ws/ unchanged (/colibri-ws/<bridge>/<meeting>/<endpoint>).
	Bridge http.Handler
	// Recordings serves finished recordings at /recordings/<token>
	// (package recording); nil when recording is off.
	Recordings http.Handler
	// Admin serves the appointments' admin page at AdminPath and below
	// (nil: not served).
	Admin http.Handler
	// RoomGate, when set, stands in front of the web app's room pages (the
	// appointments' links opened too early or too late get a page saying
	// so).
	RoomGate func(app http.Handler) http.Handler
	// Logger defaults to slog.Default().
	Logger *slog.Logger
}

// Server is the HTTPS front. Create it with New, run it with Serve and stop
// it with Shutdown.
type Server struct {
	http    *http.Server
	handler http.Handler // serves the current routes (reload.go)
	routes  atomic.Pointer[http.Handler]
	certs   *certSource
	opts    Options
	log     *slog.Logger
	acme    *ACMEManager // nil unless [acme] is enabled
	turn    *turnRoute   // nil unless RouteTURN (demux.go)

	perIP   int          // http.connections_per_ip (ipcap.go)
	refused atomic.Int64 // connections closed for the per-IP cap
}

// ACME returns the certificate manager when [acme] is enabled, else nil.
// The caller runs it (Run) and serves its HTTPHandler on acme.http_listen.
func (s *Server) ACME() *ACMEManager { return s.acme }

// New loads or creates the TLS certificate, renders config.js and builds
// the routes. It does not listen; see Serve. A nil XMPP or Bridge handler
// answers 503 (useful in tests and while a part is missing).
func New(cfg *conf.Config, opts Options) (*Server, error) {
	if opts.PublicURL == nil {
		return nil, ErrNoPublicURL
	}
	log := opts.Logger
	if log == nil {
		log = slog.Default()
	}
	cert, err := certificate(cfg, opts.PublicURL, log)
	if err != nil {
		return nil, err
	}
	h, err := routes(cfg, opts, log)
	if err != nil {
		return nil, err
	}
	s := &Server{
		log:   log,
		acme:  cert.acme,
		certs: cert,
		opts:  opts,
		perIP: cfg.HTTP.ConnectionsPerIP,
	}
	s.routes.Store(&h)
	s.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*s.routes.Load()).ServeHTTP(w, r) })
	s.http = &http.Server{
		Handler:           s.handler,
		TLSConfig:         cert.tlsConfig(),
		ReadHeaderTimeout: 10 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		// TLS handshake failures (browsers refusing the self-signed
		// certificate) are routine; keep them at debug level.
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug),
	}
	return s, nil
}

// RefusedConnections counts the connections closed because their address
// had http.connections_per_ip open already.
func (s *Server) RefusedConnections() int64 { return s.refused.Load() }

// Handler returns the routes without TLS (for tests and embedding).
func (s *Server) Handler() http.Handler { return s.handler }

// TLSConfig returns the server's TLS configuration.
func (s *Server) TLSConfig() *tls.Config { return s.http.TLSConfig }

// Serve accepts HTTPS connections on ln (a plain TCP listener) until
// Shutdown, at most http.connections_per_ip open per remote address; it
// returns nil after a Shutdown and the error otherwise.
func (s *Server) Serve(ln net.Listener) error {
	ln = capPerIP(ln, s.perIP, &s.refused, s.log)
	var err error
	if s.turn != nil {
		err = s.http.Serve(newDemux(ln, s.http.TLSConfig.Clone(), s.turn))
	} else {
		err = s.http.ServeTLS(ln, "", "")
	}
	if errors.Is(err, http.ErrServerClosed) {
		return nil
	}
	return err
}

// Shutdown stops accepting, waits for active requests until ctx ends, then
// closes what is left. Hijacked connections (WebSockets) are not tracked by
// net/http: their owners (the XMPP server, the bridge) close them.
func (s *Server) Shutdown(ctx context.Context) error {
	err := s.http.Shutdown(ctx)
	if err != nil {
		_ = s.http.Close()
	}
	return err
}
