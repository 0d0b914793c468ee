package compose

import "errors"

var (
	// ErrNoInput means there was nobody to compose.
	ErrNoInput = errors.New("compose: no participant to compose")
	// ErrFFmpeg means ffmpeg failed; the error carries the end of its output.
	ErrFFmpeg = errors.New("compose: ffmpeg failed")
	// ErrNoFFmpeg means the ffmpeg binary was not found.
	ErrNoFFmpeg = errors.New("compose: ffmpeg not found (install Debian's ffmpeg package)")
	// ErrNoFont means the font for the names was not found.
	ErrNoFont = errors.New("compose: font not found (install Debian's fonts-dejavu-core package)")
)
