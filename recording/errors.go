package recording

import "errors"

var (
	// ErrNothingRecorded means the recording ended before anyone consented
	// (or before any media arrived): there is no file.
	ErrNothingRecorded = errors.New("recording: nothing was recorded (no consented media)")
	// ErrDiskFull means the spool could not be written; the recording stopped.
	ErrDiskFull = errors.New("recording: the recording could not be written (disk full?)")
	// ErrDisabled means recording is off or ffmpeg is missing.
	ErrDisabled = errors.New("recording: recording is disabled")
	// ErrClosed means the service is shutting down.
	ErrClosed = errors.New("recording: service closed")
)

// reasoned gives a failure a short text the focus may show participants.
type reasoned struct {
	err    error
	reason string
}

func (r reasoned) Error() string  { return r.err.Error() }
func (r reasoned) Unwrap() error  { return r.err }
func (r reasoned) Reason() string { return r.reason }

// nothingRecorded is ErrNothingRecorded with its reason for the moderator.
var nothingRecorded = reasoned{err: ErrNothingRecorded, reason: "nobody had consented, or no media arrived"}
