package meetdtest

import "errors"

var (
	// ErrNoModule means no meetd module root was found above the working directory.
	ErrNoModule = errors.New("meetdtest: meetd's go.mod not found above the working directory")
	// ErrExited means the process ended before it served.
	ErrExited = errors.New("meetdtest: process exited")
	// ErrNotReady means the process did not serve within the time allowed.
	ErrNotReady = errors.New("meetdtest: not serving in time")
	// ErrKilled means the process did not stop after SIGTERM and was killed.
	ErrKilled = errors.New("meetdtest: did not stop after SIGTERM; killed")
)
