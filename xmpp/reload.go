package xmpp

// Reload replaces the login settings (accounts, anonymous logins, JWT
// keys) and the limits of a running server. Sessions already logged in
// keep their login and their rate buckets; new streams and logins get the
// new settings. The room limits (Limits.JoinRate, JoinBurst, MaxOccupants)
// are fixed when the MUC starts: RestartNeeded names them. An invalid
// auth leaves everything as it was and returns the error.
func (s *Server) Reload(auth Auth, limits Limits) error {
	limits = limits.withDefaults()
	lc, err := newLoginConfig(auth, limits, s.login.isHost)
	if err != nil {
		return err
	}
	s.login.cur.Store(lc)
	s.login.ips.setLimits(limits)
	s.login.preAuth.setMax(limits.PreAuthStreams)
	s.log.Info("xmpp: login settings and limits reloaded", "accounts", len(auth.Accounts), "jwt", auth.JWT.enabled())
	return nil
}

// RestartNeeded names the limits whose change Reload cannot apply to a
// running server.
func (s *Server) RestartNeeded(limits Limits) []string {
	old, l := s.cfg.Limits, limits.withDefaults()
	var names []string
	if old.JoinRate != l.JoinRate || old.JoinBurst != l.JoinBurst {
		names = append(names, "xmpp.limits.joins_per_second/join_burst")
	}
	if old.MaxOccupants != l.MaxOccupants {
		names = append(names, "xmpp.limits.max_occupants")
	}
	return names
}
