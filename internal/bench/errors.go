package bench

import "errors"

var (
	// ErrNoProcess means the process under test is not running.
	ErrNoProcess = errors.New("bench: process not running")
	// ErrNotReady means a server did not come up in time.
	ErrNotReady = errors.New("bench: server did not become ready")
	// ErrBadStat means /proc held something unexpected.
	ErrBadStat = errors.New("bench: unreadable /proc entry")
)
