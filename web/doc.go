// Package web is meetd's HTTPS front: one listener that serves /config.js
// (rendered from the configuration), mounts the XMPP-over-WebSocket handler
// at /xmpp-websocket and the bridge-channel WebSocket handler under
// /colibri-ws/, and answers / with a plain page saying what this server is.
//
// TLS comes from the configured PEM files or, when none are configured, from
// a self-signed certificate that is created on first start and kept in the
// state directory (see SelfSigned).
//
// The public URL (what browsers connect to) is passed in already resolved,
// because with port 0 it is only known once the listener is bound:
//
//	ln, _ := net.Listen("tcp", cfg.HTTP.Listen)
//	pub, _ := cfg.PublicURL(ln.Addr().(*net.TCPAddr).Port)
//	srv, _ := web.New(cfg, web.Options{PublicURL: pub, XMPP: x, Bridge: b, Logger: log})
//	go srv.Serve(ln)
package web
