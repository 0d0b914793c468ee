package dom

import "errors"

var (
	// ErrTooDeep is returned when an element nests deeper than the decoder allows.
	ErrTooDeep = errors.New("dom: element nesting too deep")
	// ErrBadName is returned for element or attribute names XML does not allow.
	ErrBadName = errors.New("dom: invalid XML name")
	// ErrNotStart is returned when ReadElement is not given a start element.
	ErrNotStart = errors.New("dom: expected a start element")
)
