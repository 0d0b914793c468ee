package muc

// OccupantCount returns the number of occupants in all live rooms.
func (s *Service) OccupantCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.rooms {
		n += len(r.order)
	}
	return n
}

// Exists reports whether room (a localpart) is live.
func (s *Service) Exists(room string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.rooms[room] != nil
}
