package spool

import "errors"

var (
	// ErrCorrupt means a record failed authentication or is malformed:
	// the spool was modified, or belongs to another key.
	ErrCorrupt = errors.New("spool: record fails authentication or is malformed")
	// ErrTooLarge means a record exceeds MaxRecord.
	ErrTooLarge = errors.New("spool: record too large")
	// ErrClosed means the spool was written after Close.
	ErrClosed = errors.New("spool: closed")
)
