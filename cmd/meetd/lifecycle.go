package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"time"

	"meetd/conf"
	"meetd/web"
)

// shutdownBound limits the end of a graceful stop, after the drain:
// ending the conferences left, closing the parts and waiting for them.
const shutdownBound = 10 * time.Second

// serve is serveUntil without a second signal.
func serve(ctx context.Context, cfg *conf.Config, log *slog.Logger, out io.Writer) error {
	return serveUntil(ctx, nil, reloadRequests{}, cfg, log, out)
}

// serveUntil binds the HTTPS listener, wires the parts, announces the
// addresses on out and runs until ctx ends (a signal) or a part stops on
// its own. After a signal it drains (drain.go) until hurry closes (a second
// signal) or [ops] shutdown_timeout passes, then stops. Each request on
// reload (SIGHUP) reloads the configuration file (reload.go).
func serveUntil(ctx context.Context, hurry <-chan struct{}, reload reloadRequests, cfg *conf.Config, log *slog.Logger, out io.Writer) error {
	loaded := *cfg // wiring resolves some settings in cfg (recording "auto")
	ops := newOpsState()
	log = ops.countErrors(log)
	var lc net.ListenConfig
	ln, err := lc.Listen(ctx, "tcp", cfg.HTTP.Listen)
	if err != nil {
		return fmt.Errorf("http.listen: %w", err)
	}
	defer ln.Close()
	pub, err := cfg.PublicURL(ln.Addr().(*net.TCPAddr).Port)
	if err != nil {
		return err
	}
	// The parts outlive the signal: shutdown stops them in order.
	runCtx, cancelRun := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelRun()
	p, err := wire(runCtx, cfg, pub, log)
	if err != nil {
		return err
	}
	srv, err := web.New(cfg, web.Options{PublicURL: pub, XMPP: p.xmpp, BOSH: p.bosh, Bridge: p.bridge, Recordings: p.recordings, Admin: p.admin, RoomGate: p.roomGate, Logger: log})
	if err != nil {
		return joinClose(err, p)
	}
	if p.relay != nil {
		srv.RouteTURN(cfg.TURN.TLSHost, p.relay.Deliver)
	}
	if err := ops.start(runCtx, cfg, srv, pub, p, log); err != nil {
		return joinClose(err, p)
	}
	announce(out, pub, ln.Addr(), p.mediaAddr, cfg.Media.Advertise)
	fmt.Fprintf(out, "meetd: %s\n", p.paths)
	p.listenXMPP(runCtx, srv.TLSConfig(), out)
	var wg sync.WaitGroup
	stopped := make(chan error, len(p.runners)+1)
	start(&wg, stopped, "web", func() error { return srv.Serve(ln) })
	for _, r := range p.runners {
		start(&wg, stopped, r.name, func() error { return r.run(runCtx) })
	}
	if reload.c != nil {
		rl := &reloader{log: log, path: reload.path, started: loaded, cur: cfg, xmpp: p.xs, web: srv}
		wg.Add(1)
		go func() { defer wg.Done(); rl.run(runCtx, reload.c) }()
	}
	ops.set(stateOK)
	cause := awaitStop(ctx, hurry, cfg, log, ops, p, stopped)
	return shutdown(log, srv, p, cancelRun, &wg, cause)
}

// awaitStop runs until ctx ends (a signal: then the drain follows) or a
// part stops, and returns the cause of the stop (nil for a signal).
func awaitStop(ctx context.Context, hurry <-chan struct{}, cfg *conf.Config, log *slog.Logger, ops *opsState, p *parts, stopped <-chan error) error {
	select {
	case <-ctx.Done():
		log.Info("meetd: stopping", "reason", context.Cause(ctx))
		ops.set(stateDraining)
		return drain(log, drainTarget{p.focus, p.participants}, drainTime(cfg), hurry, stopped)
	case cause := <-stopped:
		log.Error("meetd: stopping", "err", cause)
		ops.set(stateDraining)
		return cause
	}
}

// start runs f in a goroutine and reports on stopped when it returns.
func start(wg *sync.WaitGroup, stopped chan<- error, name string, f func() error) {
	wg.Add(1)
	go func() {
		defer wg.Done()
		err := f()
		if err == nil {
			err = ErrStopped
		}
		stopped <- fmt.Errorf("%s: %w", name, err)
	}()
}

// shutdown ends the conferences left, stops the web server (no new
// connections) while it ends the run loops and closes the parts (the XMPP
// streams end with system-shutdown, which also answers held BOSH
// requests), and waits for every goroutine, all within shutdownBound.
// Errors while closing are logged; the result is the cause of the stop
// (nil for a signal) or ErrShutdownTimeout.
func shutdown(log *slog.Logger, srv *web.Server, p *parts, cancelRun context.CancelFunc, wg *sync.WaitGroup, cause error) error {
	ctx, cancel := context.WithTimeout(context.Background(), shutdownBound)
	defer cancel()
	endCalls(ctx, log, p.focus)
	webDone := make(chan struct{})
	go func() {
		defer close(webDone)
		if err := srv.Shutdown(ctx); err != nil {
			log.Warn("meetd: web shutdown", "err", err)
		}
	}()
	cancelRun()
	if err := p.close(); err != nil {
		log.Warn("meetd: closing", "err", err)
	}
	<-webDone
	done := make(chan struct{})
	go func() { wg.Wait(); close(done) }()
	select {
	case <-done:
	case <-ctx.Done():
		return fmt.Errorf("%w (%s)", ErrShutdownTimeout, shutdownBound)
	}
	log.Info("meetd: stopped")
	return cause
}

func joinClose(err error, p *parts) error {
	if cerr := p.close(); cerr != nil {
		return fmt.Errorf("%w (closing: %v)", err, cerr)
	}
	return err
}

// announce prints where meetd listens, e.g.
//
//	meetd: web https://localhost:8443/ (listening [::]:8443)
//	meetd: media udp [::]:10000 advertised 127.0.0.1
func announce(out io.Writer, pub *url.URL, webAddr, mediaAddr net.Addr, advertise []string) {
	fmt.Fprintf(out, "meetd: web %s/ (listening %s)\n", pub, webAddr)
	if mediaAddr == nil {
		fmt.Fprintln(out, "meetd: media on the bridges in the brewery (built-in bridge off)")
		return
	}
	fmt.Fprintf(out, "meetd: media udp %s advertised %s\n", mediaAddr, strings.Join(advertise, ","))
}
