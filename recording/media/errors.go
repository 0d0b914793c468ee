package media

import "errors"

// ErrNoMedia means a stream ended without one usable frame.
var ErrNoMedia = errors.New("media: no usable frame in the stream")
