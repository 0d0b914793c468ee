package main

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"meetd/bridge"
	"meetd/conf"
	"meetd/web"
	"meetd/xmpp/client"
)

// bridgeIDFile keeps a generated bridge ID in the state directory.
const bridgeIDFile = "bridge-id"

// runBridge is `meetd bridge -config FILE`: the videobridge alone, joined
// to a remote XMPP server's brewery (docs/scale-out.md).
func runBridge(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("meetd bridge", flag.ContinueOnError)
	path := fs.String("config", "", "the bridge's TOML configuration `FILE` (bridge.example.toml lists every key)")
	if code, ok := parseCommandFlags(fs, args, "meetd bridge -config FILE", stdout, stderr); !ok {
		return code
	}
	if *path == "" || fs.NArg() > 0 {
		return badUsage(stderr, "meetd bridge -config FILE")
	}
	cfg, err := conf.LoadBridgeHost(*path)
	if err != nil {
		fmt.Fprintf(stderr, "meetd: %v\n", err)
		return exitFailure
	}
	log := newLogger(stderr, cfg.Log)
	ctx, hurry, stop := watchSignals()
	defer stop()
	if err := serveBridge(ctx, hurry, cfg, log, stdout); err != nil {
		fmt.Fprintf(stderr, "meetd bridge: %v\n", err)
		return exitFailure
	}
	return exitOK
}

// bridgeHost is a running `meetd bridge`: the bridge, its HTTPS server and
// the state of its XMPP connection.
type bridgeHost struct {
	cfg       *conf.BridgeHost
	id        string
	br        *bridge.Bridge
	ln        net.Listener
	pub       *url.URL
	connected atomic.Bool
	log       *slog.Logger
}

// serveBridge runs the bridge until its XMPP login fails for good (wrong
// password, bad configuration) or, after ctx ends (the first signal), until
// it has drained: no new conference, exit when the last one ended, hurry
// closed (the second signal) or shutdown_timeout passed.
func serveBridge(ctx context.Context, hurry <-chan struct{}, cfg *conf.BridgeHost, log *slog.Logger, stdout io.Writer) error {
	h, err := newBridgeHost(cfg, log)
	if err != nil {
		return err
	}
	defer h.br.Close()
	srv, err := h.httpServer()
	if err != nil {
		_ = h.ln.Close()
		return err
	}
	fmt.Fprintf(stdout, "meetd bridge: id %s, web %s/ (listening %s), media udp %s advertised %s\n",
		h.id, h.pub, h.ln.Addr(), h.br.UDPAddr(), strings.Join(cfg.Media.Advertise, ","))
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.ServeTLS(h.ln, "", "") }()
	xctx, stopXMPP := context.WithCancel(context.Background())
	defer stopXMPP()
	xmppDone := make(chan error, 1)
	go func() { xmppDone <- h.keepXMPP(xctx) }()
	select {
	case err = <-xmppDone: // failed for good
	case <-ctx.Done():
		h.drain(hurry, time.Duration(cfg.ShutdownTimeout)*time.Second)
		stopXMPP()
		err = <-xmppDone
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_ = srv.Shutdown(shutdown)
	if herr := <-httpDone; herr != nil && !errors.Is(herr, http.ErrServerClosed) && err == nil {
		err = fmt.Errorf("https: %w", herr)
	}
	return err
}

// drain shuts the bridge down gracefully and waits until its last
// conference ended, hurry is closed or limit passed.
func (h *bridgeHost) drain(hurry <-chan struct{}, limit time.Duration) {
	h.br.Shutdown()
	h.log.Info("meetd bridge: shutting down gracefully: no new conferences", "conferences", h.br.Conferences())
	deadline := time.After(limit)
	tick := time.NewTicker(drainPoll)
	defer tick.Stop()
	for h.br.Conferences() > 0 {
		select {
		case <-hurry:
			h.log.Info("meetd bridge: second signal, ending the conferences now", "conferences", h.br.Conferences())
			return
		case <-deadline:
			h.log.Warn("meetd bridge: shutdown_timeout passed, ending the conferences", "conferences", h.br.Conferences())
			return
		case <-tick.C:
		}
	}
	h.log.Info("meetd bridge: drained: the last conference ended")
}

func newBridgeHost(cfg *conf.BridgeHost, log *slog.Logger) (*bridgeHost, error) {
	if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
		return nil, fmt.Errorf("state_dir: %w", err)
	}
	id, err := bridgeID(cfg)
	if err != nil {
		return nil, err
	}
	ln, err := net.Listen("tcp", cfg.HTTP.Listen)
	if err != nil {
		return nil, fmt.Errorf("http.listen: %w", err)
	}
	pub, err := bridgePublicURL(cfg, ln.Addr())
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	relayTLS, err := relayTLSConfig("http.relay_ca_file", cfg.HTTP.RelayCAFile)
	if err != nil {
		_ = ln.Close()
		return nil, err
	}
	br, err := bridge.New(bridge.Config{
		ID: id, Region: cfg.Region, CapacityPPS: cfg.CapacityPPS, Version: readBuildInfo().bridgeVersion(),
		UDPListen: cfg.Media.Listen, TCPListen: cfg.Media.TCPListen, AdvertiseIPs: cfg.Media.Advertise,
		ForwardSilence: cfg.Media.ForwardSilence,
		WebSocketURL:   web.BridgeWebSocketURL(pub, id), BreweryRoom: cfg.XMPP.Brewery,
		RelayTLS: relayTLS, Logger: log.With("part", "bridge"),
	})
	if err != nil {
		_ = ln.Close()
		return nil, fmt.Errorf("bridge: %w", err)
	}
	return &bridgeHost{cfg: cfg, id: id, br: br, ln: ln, pub: pub, log: log}, nil
}

// bridgeID is the configured ID, else the one kept in the state directory,
// else a new one written there.
func bridgeID(cfg *conf.BridgeHost) (string, error) {
	if cfg.ID != "" {
		return cfg.ID, nil
	}
	path := filepath.Join(cfg.StateDir, bridgeIDFile)
	if b, err := os.ReadFile(path); err == nil {
		if id := strings.TrimSpace(string(b)); id != "" {
			return id, nil
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", fmt.Errorf("bridge id: %w", err)
	}
	var r [4]byte
	_, _ = rand.Read(r[:])
	id := "jvb-" + hex.EncodeToString(r[:])
	if err := os.WriteFile(path, []byte(id+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("bridge id: %w", err)
	}
	return id, nil
}

// bridgePublicURL is http.public_url, else https://<first advertised
// address>:<listening port>.
func bridgePublicURL(cfg *conf.BridgeHost, addr net.Addr) (*url.URL, error) {
	if cfg.HTTP.PublicURL != "" {
		return url.Parse(strings.TrimSuffix(cfg.HTTP.PublicURL, "/"))
	}
	port := strconv.Itoa(addr.(*net.TCPAddr).Port)
	return &url.URL{Scheme: "https", Host: net.JoinHostPort(cfg.Media.Advertise[0], port)}, nil
}

// httpServer serves the bridge channel and the operations endpoints over
// TLS (the configured certificate, else a self-signed one in state_dir).
func (h *bridgeHost) httpServer() (*http.Server, error) {
	cert, err := h.certificate()
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(web.ColibriWSPrefix, h.br.WebSocketHandler())
	mux.Handle(web.ColibriRelayWS, h.br.WebSocketHandler())
	mux.Handle("/", web.OpsHandler(h.snapshot))
	return &http.Server{
		Handler:           mux,
		TLSConfig:         &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12},
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(h.log.Handler(), slog.LevelDebug),
	}, nil
}

func (h *bridgeHost) certificate() (tls.Certificate, error) {
	if c := h.cfg.HTTP; c.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
		if err != nil {
			return cert, fmt.Errorf("http.tls_cert: %w", err)
		}
		return cert, nil
	}
	return web.SelfSigned(h.cfg.StateDir, []string{h.pub.Hostname()}, time.Now(), h.log.With("part", "web"))
}

// snapshot is what /about/health, /readyz and /metrics report: ready while
// the bridge is in the brewery.
func (h *bridgeHost) snapshot() web.OpsSnapshot {
	s := web.OpsSnapshot{Ready: h.connected.Load(), Status: "ok", Metrics: bridgeHostMetrics(h.br)}
	switch {
	case h.br.ShuttingDown():
		s.Ready, s.Draining, s.Status = false, true, "draining"
	case !s.Ready:
		s.Status = "connecting to the xmpp server"
	}
	for _, ip := range h.cfg.Media.Advertise {
		s.Candidates = append(s.Candidates, "udp "+net.JoinHostPort(ip, strconv.Itoa(h.br.UDPAddr().Port)))
	}
	return s
}

// keepXMPP logs in (client account or component), runs the bridge on each
// connection and reconnects with backoff until ctx ends.
func (h *bridgeHost) keepXMPP(ctx context.Context) error {
	x := h.cfg.XMPP
	log := h.log.With("part", "xmpp")
	run := func(ctx context.Context, c *client.Conn) error {
		h.connected.Store(true)
		defer h.connected.Store(false)
		log.Info("in the brewery", "jid", c.JID(), "brewery", x.Brewery)
		return h.br.Run(ctx, c)
	}
	var err error
	if x.Component != "" {
		secret, rerr := firstLine(x.SecretFile)
		if rerr != nil {
			return fmt.Errorf("xmpp.secret_file: %w", rerr)
		}
		cc := client.ComponentConfig{Addr: x.Server, Domain: x.Component, Secret: secret, Logger: log}
		err = client.KeepComponent(ctx, cc, client.Backoff{}, run)
	} else {
		cc, cerr := h.clientConfig(log)
		if cerr != nil {
			return cerr
		}
		err = client.Keep(ctx, cc, client.Backoff{}, run)
	}
	if ctx.Err() != nil {
		return nil
	}
	return err
}

func (h *bridgeHost) clientConfig(log *slog.Logger) (client.Config, error) {
	x := h.cfg.XMPP
	password, err := firstLine(x.PasswordFile)
	if err != nil {
		return client.Config{}, fmt.Errorf("xmpp.password_file: %w", err)
	}
	cc := client.Config{Addr: x.Server, JID: x.JID, Password: password, Resource: h.id, ServerName: x.ServerName, Logger: log}
	if x.CAFile != "" {
		pem, err := os.ReadFile(x.CAFile)
		if err != nil {
			return cc, fmt.Errorf("xmpp.ca_file: %w", err)
		}
		cc.RootCAs = x509.NewCertPool()
		if !cc.RootCAs.AppendCertsFromPEM(pem) {
			return cc, fmt.Errorf("xmpp.ca_file: %w", errNoCertificates)
		}
	}
	return cc, nil
}

// relayTLSConfig trusts the CA certificates of the PEM file path (the
// setting key: bridge.toml's http.relay_ca_file, meetd.toml's
// bridges.relay_ca_file) for the other bridges' relay channels; nil (the
// system roots) without one.
func relayTLSConfig(key, path string) (*tls.Config, error) {
	if path == "" {
		return nil, nil
	}
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", key, err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s: %w", key, errNoCertificates)
	}
	return &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}, nil
}

// firstLine reads a secret from its file: the first line, without the line
// end (the secret itself is never logged).
func firstLine(path string) (string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return "", err
	}
	line, _, _ := strings.Cut(string(b), "\n")
	line = strings.TrimRight(line, "\r")
	if line == "" {
		return "", errEmptySecret
	}
	return line, nil
}

// bridgeHostMetrics are the metrics of a bridge running alone: its load,
// conferences and traffic (names as in meetd's own metrics).
func bridgeHostMetrics(br *bridge.Bridge) []web.Metric {
	b, l := br.Stats(), br.Load()
	ep := endpointTotals(br.EndpointStats())
	g := func(name, help string, v float64, labels ...string) web.Metric {
		return web.Metric{Name: name, Help: help, Type: "gauge", Labels: labels, Value: v}
	}
	c := func(name, help string, v uint64, labels ...string) web.Metric {
		return web.Metric{Name: name, Help: help, Type: "counter", Labels: labels, Value: float64(v)}
	}
	const bytesHelp = "SRTP/SRTCP bytes the bridge read from (in) and wrote to (out) endpoints"
	return append([]web.Metric{
		g("meetd_bridge_stress", "the stress level the bridge announces (packet rate / capacity_pps)", l.Stress),
		g("meetd_bridge_packet_rate", "media packets received plus forwarded per second", l.PacketsPerSecond),
		g("meetd_bridge_endpoints", "endpoints on the bridge", float64(ep.n)),
		c("meetd_bridge_forwarded_packets_total", "RTP packets queued towards receivers", b.Forwarded),
		c("meetd_bridge_bytes_total", bytesHelp, b.BytesIn, "direction", "in"),
		c("meetd_bridge_bytes_total", bytesHelp, b.BytesOut, "direction", "out"),
	}, ep.sizeMetrics()...)
}
