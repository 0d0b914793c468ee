package dom

import "errors"

var (
	// ErrTooDeep is returned when an element nests deeper than the decoder allows.
	ErrTooDeep = errors.New("dom: element nesting too deep")
	// ErrNotStart is returned when ReadElement is not given a start element.
	ErrNotStart = errors.New("dom: expected a start element")
)
