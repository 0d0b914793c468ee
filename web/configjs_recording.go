package web

import "meetd/conf"

// clientRecordingService shows the web app's record button to moderators
// (server-side file recording); sharing (Dropbox-style) stays off.
type clientRecordingService struct {
	Enabled        bool `json:"enabled"`
	SharingEnabled bool `json:"sharingEnabled"`
}

// clientRecordings makes the web app ask every participant for consent
// when a recording runs (docs/recording.md): it mutes them and lets them
// unmute only after they acknowledged it, which is what the server counts
// as consent.
type clientRecordings struct {
	RequireConsent       bool `json:"requireConsent"`
	SkipConsentInMeeting bool `json:"skipConsentInMeeting"`
}

// clientLocalRecording: recording in the browser bypasses the server's
// consent, so it is always off.
type clientLocalRecording struct {
	Disable bool `json:"disable"`
}

// setRecording fills the recording keys: with [recording] on (cmd/meetd
// resolves "auto" before the web server starts) the button appears for
// moderators; otherwise it stays hidden.
func (cc *clientConfig) setRecording(cfg *conf.Config) {
	cc.LocalRecording = clientLocalRecording{Disable: true}
	if cfg.Recording.Enabled != conf.RecordingOn {
		return
	}
	cc.RecordingService = &clientRecordingService{Enabled: true}
	cc.FileRecordingsEnabled = true // the 2021 web app's key
	cc.HiddenDomain = cfg.Addresses().Recorder
	cc.Recordings = &clientRecordings{RequireConsent: true}
}
