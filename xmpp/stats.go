package xmpp

// Stats is a snapshot of the XMPP server for metrics.
type Stats struct {
	Sessions  int // client streams (WebSocket, BOSH, TCP), not in-process sessions
	Rooms     int // rooms in the conference MUC
	Occupants int // occupants of those rooms, the focus included
}

// Stats returns the current counts.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	st := Stats{Sessions: len(s.conns)}
	s.mu.Unlock()
	if m := s.mucs[s.cfg.MUCDomain]; m != nil {
		st.Rooms, st.Occupants = m.Rooms(), m.OccupantCount()
	}
	return st
}
