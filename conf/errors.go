package conf

import "errors"

var (
	// ErrUnknownKey marks a key in the file that the schema does not define
	// (usually a typo); meetd refuses to start rather than ignore it.
	ErrUnknownKey = errors.New("unknown key")

	// ErrBadValue marks a value that has the right type but is not allowed
	// for its key.
	ErrBadValue = errors.New("bad value")

	// ErrParse marks a file that is not valid TOML or whose value types do
	// not match the schema.
	ErrParse = errors.New("cannot parse config")
)

// KeyError is a problem with one key of the configuration. Key is the dotted
// TOML path, e.g. "http.listen".
type KeyError struct {
	Key string
	Err error
}

// Error returns "key: problem".
func (e *KeyError) Error() string { return e.Key + ": " + e.Err.Error() }

// Unwrap returns the underlying error (ErrUnknownKey or ErrBadValue wrapped).
func (e *KeyError) Unwrap() error { return e.Err }
