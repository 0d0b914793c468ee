package xmpp

import (
	"net"
	"net/http"
	"net/url"
)

// connInfo is what the connection under a client stream tells login and the
// per-IP limits.
type connInfo struct {
	ip     string // remote IP address, the key of the per-IP limits
	secure bool   // TLS, or HTTPS under WebSocket/BOSH: PLAIN may be offered
	token  string // JWT from the connection URL (?token=), "" when absent
}

// infoTransport is a Transport that knows its connection. BOSH and TCP
// transports implement it themselves (TCP reports secure after STARTTLS);
// the WebSocket handler wraps its transport with withInfo.
type infoTransport interface {
	Transport
	connInfo() connInfo
}

// wrappedTransport adds connInfo to a transport that supports stream
// management (a wrapper hides the transport's optional markers).
type wrappedTransport struct {
	Transport
	info connInfo
}

func (w wrappedTransport) connInfo() connInfo { return w.info }

// infoOf returns what t knows about its connection. A transport that only
// exposes its URL query (BOSH) yields the token.
func infoOf(t Transport) connInfo {
	switch it := t.(type) {
	case infoTransport:
		return it.connInfo()
	case interface{ Query() url.Values }:
		return connInfo{token: it.Query().Get("token")}
	}
	return connInfo{}
}

// requestInfo describes an HTTP request carrying a stream (WebSocket, BOSH).
func requestInfo(r *http.Request) connInfo {
	ip, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		ip = r.RemoteAddr
	}
	return connInfo{ip: ip, secure: r.TLS != nil, token: r.URL.Query().Get("token")}
}

// boshConn gives a BOSH session the connection facts of the request that
// created it; the embedded transport keeps its markers (no XEP-0198).
type boshConn struct {
	*boshTransport
	info connInfo
}

func (b boshConn) connInfo() connInfo { return b.info }
