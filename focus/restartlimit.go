package focus

import "time"

// Session restarts (a session-terminate with restart, which makes the focus
// set up a new bridge endpoint and offer a new session) are limited per
// participant as Jicofo limits them (docs/bad-input.md#j5): at least
// restartMinInterval apart and at most restartsPerWindow within
// restartWindow. A refused restart gets resource-constraint and leaves the
// session as it was.
const (
	restartMinInterval = 5 * time.Second
	restartWindow      = time.Minute
	restartsPerWindow  = 5
)

// restartLimiter remembers the times of a participant's recent restarts.
type restartLimiter struct {
	times []time.Time // within restartWindow, oldest first
}

// allow reports whether a restart at now is within the limits and, if so,
// records it.
func (l *restartLimiter) allow(now time.Time) bool {
	keep := l.times[:0]
	for _, t := range l.times {
		if now.Sub(t) < restartWindow {
			keep = append(keep, t)
		}
	}
	l.times = keep
	if n := len(l.times); n >= restartsPerWindow || (n > 0 && now.Sub(l.times[n-1]) < restartMinInterval) {
		return false
	}
	l.times = append(l.times, now)
	return true
}
