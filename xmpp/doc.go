// Package xmpp is meetd's XMPP server: just enough of RFC 6120/6121 and the
// XEPs Jitsi Meet clients use, built on one transport-neutral stream layer.
//
// A Transport yields and accepts complete top-level elements (dom.Element);
// the WebSocket transport (RFC 7395) is the first, BOSH and component TCP
// can be added behind the same interface. On top of it, a client stream
// negotiates SASL ANONYMOUS and resource binding, then hands every stanza,
// with `from` stamped from the session, to the router. The router delivers
// to bound client streams, to in-process LocalSessions (the focus and the
// bridge, which also own alias domains such as focus.localhost), to the
// server's own IQ handlers (disco, ping) and to the MUC services in package
// meetd/xmpp/muc.
//
// Usage:
//
//	srv, err := xmpp.NewServer(xmpp.Config{Domain: "localhost", ...})
//	mux.Handle("/xmpp-websocket", srv.WebSocketHandler())
//	focus, err := srv.Attach(ctx, "focus@auth.localhost/focus", "focus.localhost")
//	st, err := focus.Recv(ctx)
package xmpp
