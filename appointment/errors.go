package appointment

import "errors"

var (
	// ErrNotFound marks an appointment id, room or calendar UID the store
	// does not have.
	ErrNotFound = errors.New("appointment not found")

	// ErrInvalid marks an appointment that cannot be stored (no start, a
	// duration out of range, a bad e-mail address, ...).
	ErrInvalid = errors.New("invalid appointment")

	// ErrSchema marks a database written by a newer meetd (a schema version
	// this one does not know).
	ErrSchema = errors.New("appointment database is newer than this meetd")

	// ErrMail marks a reminder or delivery the mail server did not accept.
	ErrMail = errors.New("mail not sent")

	// ErrFeed marks a calendar feed that cannot be read or parsed.
	ErrFeed = errors.New("calendar feed")

	// ErrNoRecipient marks a delivery for an appointment without a client
	// address (or whose client did not want a recording).
	ErrNoRecipient = errors.New("no recipient")
)
