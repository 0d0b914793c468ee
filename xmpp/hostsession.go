package xmpp

import (
	"sync"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// The web app's login dialog (lib-jitsi-meet authenticateAndUpgradeRole)
// logs the host in on a second connection to the main domain, sends the
// conference request there, keeps the session-id of the answer, closes that
// connection and sends the conference request again on its guest connection
// with that session-id. The server stamps a session-id on the focus's answer
// to a host and, when a guest session presents it, treats that session as
// the host's (docs/lobby.md). Ids live for hostSessionTTL and are bounded.
const (
	hostSessionTTL  = 24 * time.Hour
	maxHostSessions = 4096
)

// hostSessions maps issued session-ids to their expiry.
type hostSessions struct {
	mu  sync.Mutex
	ids map[string]time.Time
}

// issue returns a new session-id.
func (h *hostSessions) issue(now time.Time) string {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.ids == nil {
		h.ids = map[string]time.Time{}
	}
	if len(h.ids) >= maxHostSessions {
		for id, exp := range h.ids {
			if now.After(exp) || len(h.ids) >= maxHostSessions {
				delete(h.ids, id)
			}
		}
	}
	id := randomID(16)
	h.ids[id] = now.Add(hostSessionTTL)
	return id
}

// valid reports whether id was issued and has not expired.
func (h *hostSessions) valid(id string, now time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	exp, ok := h.ids[id]
	return ok && now.Before(exp)
}

// stampSessionID adds a session-id to the focus's positive answer to a
// host's conference request (only with guests_wait_for_host, where guests
// on GuestDomain need it).
func (s *Server) stampSessionID(sess *session, st *dom.Element) {
	if s.cfg.GuestDomain == "" || st.Local != "iq" || st.Attr("type") != "result" ||
		st.Attr("from") != s.cfg.FocusDomain || !sess.auth.host(s.cfg.Lobby.HostsOnly) {
		return
	}
	if c := st.Child(ns.Focus, "conference"); c != nil && c.Attr("session-id") == "" {
		c.SetAttr("session-id", s.hostIDs.issue(time.Now()))
	}
}

// redeemSessionID applies a conference request's session-id: a valid one
// makes the sending session a host; an unknown one is refused (the client
// then drops it and asks again without). No session-id: nothing to do.
func (s *Server) redeemSessionID(sess *session, conf *dom.Element) bool {
	id := conf.Attr("session-id")
	if id == "" || s.cfg.GuestDomain == "" {
		return true
	}
	if !s.hostIDs.valid(id, time.Now()) {
		s.log.Info("conference request with an unknown session-id refused")
		return false
	}
	sess.hostBySession.Store(true)
	return true
}
