package focus

import "errors"

var (
	// ErrTimeout is returned when an IQ gets no answer in time.
	ErrTimeout = errors.New("focus: no answer to iq in time")
	// ErrIQError is returned when an IQ is answered with type "error".
	ErrIQError = errors.New("focus: iq answered with an error")
	// ErrNoBridge is returned when no usable bridge is in the brewery.
	ErrNoBridge = errors.New("focus: no bridge available")
	// ErrBadColibri is returned when a bridge answer lacks what the focus needs.
	ErrBadColibri = errors.New("focus: unusable colibri2 answer")
	// ErrBadJingle is returned for a Jingle element that cannot be used.
	ErrBadJingle = errors.New("focus: malformed jingle")
	// ErrBadTransport is returned for a client transport the bridge must not use.
	ErrBadTransport = errors.New("focus: unusable client transport")
	// ErrClosed is returned when the focus stops while a request waits.
	ErrClosed = errors.New("focus: closed")
)
