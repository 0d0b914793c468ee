package xmpp

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// acceptRetry is the pause after a failed Accept (e.g. out of descriptors).
const acceptRetry = 50 * time.Millisecond

// ServeC2S accepts XMPP client connections (RFC 6120) on ln until the
// server closes. STARTTLS with tlsConf is required before login.
func (s *Server) ServeC2S(ln net.Listener, tlsConf *tls.Config) error {
	if tlsConf == nil {
		return ErrNoTLS
	}
	conf := tlsConf.Clone()
	conf.NextProtos = nil
	return s.serveListener(ln, func(conn net.Conn) {
		s.serveStream(newTCPTransport(conn, conf, s.cfg.MaxStanzaBytes, ns.Client), conn.RemoteAddr().String())
	})
}

// serveListener runs an accept loop on ln; serve runs each connection and
// must call s.wg.Done. The listener closes with the server.
func (s *Server) serveListener(ln net.Listener, serve func(net.Conn)) error {
	if !s.begin() {
		_ = ln.Close()
		return ErrClosed
	}
	go func() {
		defer s.wg.Done()
		<-s.ctx.Done()
		_ = ln.Close()
	}()
	if !s.begin() {
		return ErrClosed
	}
	go func() {
		defer s.wg.Done()
		s.acceptLoop(ln, serve)
	}()
	return nil
}

func (s *Server) acceptLoop(ln net.Listener, serve func(net.Conn)) {
	for {
		conn, err := ln.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.ctx.Err() != nil {
				return
			}
			time.Sleep(acceptRetry)
			continue
		}
		ip, _, _ := net.SplitHostPort(conn.RemoteAddr().String())
		if !s.login.ips.acquire(ip) {
			_ = conn.Close()
			continue
		}
		if !s.begin() {
			s.login.ips.release(ip)
			_ = conn.Close()
			return
		}
		go func() {
			defer s.login.ips.release(ip)
			serve(conn)
		}()
	}
}

// tlsPending reports whether the stream must negotiate STARTTLS first.
func (c *c2s) tlsPending() bool {
	t, ok := c.t.(*tcpTransport)
	return ok && t.needsTLS()
}

// startTLSFeatures are the only features offered before TLS.
func startTLSFeatures() *dom.Element {
	f := dom.New(ns.Streams, "features")
	f.AddNew(ns.TLS, "starttls").AddNew(ns.TLS, "required")
	return f
}

// negotiateTLS answers <starttls/> with <proceed/> and upgrades the
// connection; the client then opens a new stream.
func (c *c2s) negotiateTLS(ctx context.Context, el *dom.Element) error {
	t, _ := c.t.(*tcpTransport)
	if t == nil || !el.Is(ns.TLS, "starttls") {
		return &streamError{cond: condPolicyViolation, text: "STARTTLS is required first"}
	}
	if err := c.t.WriteElement(ctx, dom.New(ns.TLS, "proceed")); err != nil {
		return err
	}
	if err := t.startTLS(ctx); err != nil {
		return err
	}
	c.opened = false
	c.log.Debug("TLS established")
	return nil
}
