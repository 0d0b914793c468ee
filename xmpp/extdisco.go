package xmpp

import (
	"strconv"
	"time"

	"meetd/xmpp/dom"
)

// ExternalService is one XEP-0215 entry: a STUN or TURN server and, for
// TURN, the time-limited credential of the requesting session.
type ExternalService struct {
	Type      string // "stun", "turn" or "turns"
	Host      string
	Port      int
	Transport string // "udp" or "tcp"
	Username  string
	Password  string
	Expires   time.Time // zero: none
}

// externalServices renders the answer to a <services/> request of the
// session from; a type attribute on the request filters the list
// (XEP-0215 §3.1).
func (s *Server) externalServices(q *dom.Element, from string) *dom.Element {
	out := dom.New(q.Space, "services")
	if s.cfg.ExternalServices == nil {
		return out
	}
	want := q.Attr("type")
	for _, svc := range s.cfg.ExternalServices(from) {
		if want != "" && want != svc.Type {
			continue
		}
		el := out.AddNew(q.Space, "service").SetAttr("type", svc.Type).SetAttr("host", svc.Host).
			SetAttr("port", strconv.Itoa(svc.Port))
		if svc.Transport != "" {
			el.SetAttr("transport", svc.Transport)
		}
		if svc.Username != "" {
			el.SetAttr("username", svc.Username).SetAttr("password", svc.Password).SetAttr("restricted", "1")
		}
		if !svc.Expires.IsZero() {
			el.SetAttr("expires", svc.Expires.UTC().Format(time.RFC3339))
		}
	}
	return out
}
