package xmpp

import (
	"net"
	"strings"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// Lobby configures the lobby service of the conference MUC (docs/lobby.md).
type Lobby struct {
	// Domain is the lobby MUC, e.g. lobby.localhost; empty: no lobby.
	Domain string
	// ByDefault turns the lobby on for every new room ([rooms] lobby).
	ByDefault bool
	// HostsOnly is [auth] guests_wait_for_host: only hosts enter an empty
	// room, guests never become moderator by arriving first.
	HostsOnly bool
}

// lobbyIdentity is the disco#info identity that tells clients the lobby is
// supported and where (component / lobbyrooms, named by the lobby domain).
func (s *Server) lobbyIdentity(q *dom.Element) {
	if s.cfg.Lobby.Domain != "" {
		q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "component").
			SetAttr("type", "lobbyrooms").SetAttr("name", s.cfg.Lobby.Domain)
	}
}

// sourceOf is the network address a client session connects from (an
// IPv6 /64 counts as one), the key of the MUC's per-address limits; "" when
// unknown.
func (s *Server) sourceOf(real jid.JID) string {
	sess := s.router.byFull(real)
	if sess == nil || sess.remote == "" {
		return ""
	}
	host := sess.remote
	if h, _, err := net.SplitHostPort(sess.remote); err == nil {
		host = h
	}
	return ipKey(host) // an IPv6 /64 is one address, as for the other per-IP limits
}

// host reports whether a login is a host: a token or account moderator,
// and with hostsOnly (guests_wait_for_host) every account. A nil login
// (an in-process or component session) is not.
func (a *authInfo) host(hostsOnly bool) bool {
	return a != nil && (a.moderator || (hostsOnly && a.kind == kindAccount))
}

// hostPresent applies guests_wait_for_host to a conference request: a guest
// may ask only for a room a host has started (it exists); otherwise the
// answer is not-authorized, which lib-jitsi-meet reports as "authentication
// required" and the web app shows as "waiting for the host" and retries
// (docs/lobby.md). Hosts and service sessions always pass.
// Token-only rooms (appointments) always wait for their host.
func (s *Server) hostPresent(sess *session, conf *dom.Element) bool {
	room, domain, _ := strings.Cut(strings.ToLower(conf.Attr("room")), "@")
	if !(s.cfg.Lobby.HostsOnly || s.tokenOnly(room)) || sess.auth == nil || sess.auth.host(true) || sess.hostBySession.Load() {
		return true
	}
	if m := s.mucs[domain]; m != nil && m.Exists(room) {
		return true
	}
	s.log.Info("conference request refused: the guest waits for a host", "room", room+"@"+domain)
	return false
}

// isHostJID reports whether the client session bound to real is a host: by
// its login, or by a host's session-id it presented.
func (s *Server) isHostJID(real jid.JID) bool {
	sess := s.router.byFull(real)
	return sess != nil && (sess.auth.host(s.cfg.Lobby.HostsOnly) || sess.hostBySession.Load())
}
