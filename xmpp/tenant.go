package xmpp

import (
	"fmt"
	"slices"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/muc"
)

// AddConferenceMUC serves another conference MUC domain with the policy of
// Config.MUCDomain: a tenant's rooms, conference.<tenant>.<domain>, as
// Jitsi's mod_muc_domain_mapper names them. Call it after NewServer and
// before the server serves any stream (the MUC table is not locked).
func (s *Server) AddConferenceMUC(domain string) error {
	if s.mucs[domain] != nil || s.isHost(domain) || domain == s.cfg.FocusDomain {
		return fmt.Errorf("%w: MUC domain %q is already in use", ErrBadConfig, domain)
	}
	creators := make([]string, 0, len(s.cfg.RoomCreators))
	for _, c := range s.cfg.RoomCreators {
		creators = append(creators, jid.MustParse(c).Bare().String())
	}
	p := s.conferencePolicy(func(j jid.JID) bool { return slices.Contains(creators, j.Bare().String()) })
	m, err := muc.New(domain, localDelivery{s}, p, s.log)
	if err != nil {
		return fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	s.mucs[domain] = m
	return nil
}
