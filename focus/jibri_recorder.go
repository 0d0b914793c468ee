package focus

import (
	"context"
	"time"
)

// Recorder records conferences for the focus (package recording implements
// it). With none configured, Jibri requests get service-unavailable.
type Recorder interface {
	// StartRecording begins recording a conference; nothing is written
	// before Update reports consent. done is called exactly once, from any
	// goroutine, when the recording has ended: with the private link, or
	// with the error that ended it (disk full, ffmpeg failed, ...).
	StartRecording(ctx context.Context, s RecordingStart, done func(RecordingResult)) (RecordingSession, error)
}

// RecordingStart describes the conference to record.
type RecordingStart struct {
	Room      string // bare room JID
	MeetingID string // the bridge conference
}

// RecordingSession is one running recording.
type RecordingSession interface {
	// ID is the Jibri session ID clients see.
	ID() string
	// Update passes who is present and who has consented; it is called on
	// every change and must not block.
	Update(ps []RecordingParticipant)
	// Stop ends the recording; done follows once the file is ready.
	Stop()
}

// RecordingParticipant is one participant as the recorder sees them.
type RecordingParticipant struct {
	Endpoint  string // bridge endpoint ID (MUC nickname)
	Name      string // display name
	Consented bool
}

// RecordingResult is how a recording ended.
type RecordingResult struct {
	ID       string // the session's ID
	URL      string // private link; carries the key: never log it
	Expires  time.Time
	Duration time.Duration
	People   int   // participants in the file
	Err      error // nil: URL is set
	Stopped  bool  // ended by Stop (false: ended by a failure or its time limit)
}
