package xmpp

// Stats is a snapshot of the XMPP server for metrics.
type Stats struct {
	Sessions  int // client streams (WebSocket, BOSH, TCP), not in-process sessions
	Rooms     int // rooms in the conference MUCs (tenants included)
	Occupants int // occupants of those rooms, the focus included

	PreAuth        int    // client streams not logged in yet
	RefusedConns   uint64 // streams refused: their address had connections_per_ip open
	RefusedLogins  uint64 // SASL attempts refused by logins_per_minute
	PreAuthEvicted uint64 // pre-auth streams closed to make room (Limits.PreAuthStreams)
	IPTableFull    uint64 // times the per-IP table was full of open connections
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{Sessions: len(s.conns)}
	s.mu.Unlock()
	ips := s.login.ips
	st.PreAuth, st.PreAuthEvicted = s.login.preAuth.size(), s.login.preAuth.evicted.Load()
	st.RefusedConns, st.RefusedLogins, st.IPTableFull = ips.refusedConns.Load(), ips.refusedLogins.Load(), ips.full.Load()
	for d, m := range s.mucs {
		if d != s.cfg.InternalMUCDomain && d != s.cfg.Lobby.Domain {
			st.Rooms += m.Rooms()
			st.Occupants += m.OccupantCount()
		}
	}
	return st
}
