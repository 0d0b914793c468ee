package xmpp

import (
	"fmt"
	"slices"

	"meetd/xmpp/dom"
	"meetd/xmpp/muc"
	"meetd/xmpp/ns"
)

// Component is an in-process server component with its own domain (AV
// moderation, end conference, speaker stats, ...; docs/room-components.md).
// The server routes every stanza addressed to that domain to Handle, with
// `from` stamped to the sender's real JID. Handle must not block.
type Component interface {
	Handle(st *dom.Element)
}

// registered is a component and the disco identity the server announces.
type registered struct {
	identity string // disco#info identity type, category "component"
	c        Component
}

// AddComponent serves c at domain (which may be a MUC domain, see
// toComponent) and announces it in the main domain's
// disco#info as identity category "component", type identity, name domain,
// which is how Jitsi clients find the component. Call it before serving.
func (s *Server) AddComponent(domain, identity string, c Component) error {
	if domain == "" || identity == "" || c == nil {
		return fmt.Errorf("%w: component %q", ErrBadConfig, domain)
	}
	if s.isHost(domain) || domain == s.cfg.FocusDomain || s.components[domain].c != nil {
		return fmt.Errorf("%w: component domain %q is already in use", ErrBadConfig, domain)
	}
	if s.components == nil {
		s.components = map[string]registered{}
	}
	s.components[domain] = registered{identity: identity, c: c}
	s.componentOrder = append(s.componentOrder, domain)
	return nil
}

// toComponent hands st to the component at domain d, if any, and reports
// whether it did. A component that shares its domain with a MUC service
// (breakout rooms, as Prosody's) gets only messages to the bare domain;
// everything else there stays the MUC's.
func (s *Server) toComponent(st *dom.Element, d, local string) bool {
	c := s.components[d].c
	if c == nil {
		return false
	}
	if s.mucs[d] != nil && (local != "" || st.Local != "message") {
		return false
	}
	c.Handle(st)
	return true
}

// ConferenceMUCs returns the conference MUC services (the main one and
// tenants'), which room components watch.
func (s *Server) ConferenceMUCs() []*muc.Service {
	out := make([]*muc.Service, 0, len(s.mucs))
	for d, m := range s.mucs {
		// The lobby domain maps to the conference service again.
		if d != s.cfg.InternalMUCDomain && !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	return out
}

// Deliverer returns what components send with: delivery to local sessions
// by the stanza's `to`, never re-entering a MUC service, so it may be used
// from MUC hooks.
func (s *Server) Deliverer() muc.Router { return localDelivery{s} }

// componentIdentities adds the components' identities to a host's disco#info.
func (s *Server) componentIdentities(q *dom.Element) {
	for _, d := range s.componentOrder {
		q.AddNew(ns.DiscoInfo, "identity").SetAttr("category", "component").
			SetAttr("type", s.components[d].identity).SetAttr("name", d)
	}
}
