package xmpp

import "mellium.im/xmpp/jid"

// exemptFromRoomLimits reports the occupants that lobby, room password,
// room size and join rate do not apply to: service accounts (the focus),
// and the recorder occupant of the hidden domain (Config.HiddenDomain).
func (s *Server) exemptFromRoomLimits(real jid.JID) bool {
	return s.isService(real) ||
		s.cfg.HiddenDomain != "" && real.Domainpart() == s.cfg.HiddenDomain && real.Localpart() != ""
}

// moderatorFeatures are what the conference MUC tells each moderator's
// client it may use (muc.Policy.ModeratorFeatures), as Prosody's
// mod_jitsi_permissions does: the current web app shows its recording
// switch and stop button only when "recording" is true (the record button
// itself appears only when config.js enables recording). The features meetd
// has no server side for are false.
func moderatorFeatures() map[string]bool {
	return map[string]bool{
		"recording":      true,
		"create-polls":   true,
		"send-groupchat": true,
		"livestreaming":  false,
		"transcription":  false,
		"outbound-call":  false,
		"flip":           false,
		// live translation defaults to "moderators may" without this
		"live-translation":           false,
		"live-translation-subscribe": false,
	}
}
