package xmpp

import (
	"net/http"
	"slices"

	"github.com/gorilla/websocket"
)

// WebSocketHandler serves XMPP over WebSocket (RFC 7395, subprotocol
// "xmpp"). A plain GET is answered 200, for lib-jitsi-meet's keep-alive.
// A message may span at most Limits.WebSocketFragments frames; the frame
// headers are followed on the raw bytes because the WebSocket library joins
// fragments out of sight.
func (s *Server) WebSocketHandler() http.Handler {
	up := &websocket.Upgrader{
		Subprotocols:    []string{"xmpp"},
		ReadBufferSize:  4096,
		WriteBufferSize: 4096,
		CheckOrigin:     s.cfg.CheckOrigin,
	}
	if up.CheckOrigin == nil {
		up.CheckOrigin = func(*http.Request) bool { return true }
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.serveWS(up, w, r)
	})
}

func (s *Server) serveWS(up *websocket.Upgrader, w http.ResponseWriter, r *http.Request) {
	if !websocket.IsWebSocketUpgrade(r) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusOK)
		return
	}
	if !slices.Contains(websocket.Subprotocols(r), "xmpp") {
		http.Error(w, "the xmpp WebSocket subprotocol is required", http.StatusBadRequest)
		return
	}
	info := requestInfo(r)
	if !s.login.ips.acquire(info.ip) {
		http.Error(w, "too many connections from your address", http.StatusTooManyRequests)
		return
	}
	defer s.login.ips.release(info.ip)
	if !s.begin() {
		http.Error(w, "server is shutting down", http.StatusServiceUnavailable)
		return
	}
	if n := s.login.conf().limits.WebSocketFragments; n > 0 {
		w = fragmentLimiter{ResponseWriter: w, max: n}
	}
	conn, err := up.Upgrade(w, r, nil)
	if err != nil {
		s.wg.Done()
		return
	}
	t := wrappedTransport{newWSTransport(conn, s.cfg.MaxStanzaBytes, s.cfg.IdleTimeout), info}
	s.serveStream(t, r.RemoteAddr)
}
