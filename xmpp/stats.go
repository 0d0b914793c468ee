package xmpp

// Stats is a snapshot of the XMPP server for metrics.
type Stats struct {
	Sessions  int // client streams (WebSocket, BOSH, TCP), not in-process sessions
	Rooms     int // rooms in the conference MUCs (tenants included)
	Occupants int // occupants of those rooms, the focus included
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{Sessions: len(s.conns)}
	s.mu.Unlock()
	for d, m := range s.mucs {
		if d != s.cfg.InternalMUCDomain {
			st.Rooms += m.Rooms()
			st.Occupants += m.OccupantCount()
		}
	}
	return st
}
