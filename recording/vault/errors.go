package vault

import "errors"

var (
	// ErrAuth means the file does not open with the given key: a wrong key,
	// a modified or truncated file, or not a sealed recording.
	ErrAuth = errors.New("vault: wrong key or damaged file")
	// ErrNotFound means no recording has the given ID.
	ErrNotFound = errors.New("vault: no such recording")
	// ErrBadID means an ID is not the form the store issues.
	ErrBadID = errors.New("vault: malformed recording id")
)
