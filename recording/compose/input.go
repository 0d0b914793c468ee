package compose

import (
	"io"
	"strings"
	"time"
	"unicode"
)

// Stream is one converted stream: video as IVF (VP8), audio as Ogg Opus.
type Stream struct {
	// Start is where the stream's first frame belongs on the recording's
	// time line (0 = the recording's start).
	Start time.Duration
	// Write writes the whole stream to w and returns. It runs on its own
	// goroutine; w is a pipe to ffmpeg.
	Write func(w io.Writer) error
}

// Participant is one person in the composed file.
type Participant struct {
	Name  string  // shown in their tile
	Video *Stream // nil: their tile shows only the name
	Audio *Stream // nil: silent
}

// maxName bounds the length of a displayed name, in runes.
const maxName = 40

// safeName keeps letters, digits, spaces and . - _ of a display name, so it
// can be put into an ffmpeg filter graph without any escaping.
func safeName(s string) string {
	var b strings.Builder
	n := 0
	for _, r := range s {
		if n == maxName {
			break
		}
		if unicode.IsLetter(r) || unicode.IsDigit(r) || r == ' ' || r == '.' || r == '-' || r == '_' {
			b.WriteRune(r)
			n++
		}
	}
	out := strings.TrimSpace(b.String())
	if out == "" {
		return "Participant"
	}
	return out
}
