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

// ErrWrongType marks a value whose TOML type does not fit its key (a number
// where a string belongs, ...). A *TypeError is ErrWrongType and ErrParse.
var ErrWrongType = errors.New("wrong type")

// TypeError says what type a key takes and what the file gave it.
type TypeError struct {
	Want string // e.g. `a string`
	Got  string // e.g. `the number 8443`
}

// Error returns "expected a string, got the number 8443".
func (e *TypeError) Error() string { return "expected " + e.Want + ", got " + e.Got }

// Is makes a TypeError match ErrWrongType and ErrParse.
func (e *TypeError) Is(target error) bool { return target == ErrWrongType || target == ErrParse }
