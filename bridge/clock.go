package bridge

import "time"

// clockBase is the bridge's origin of monotonic time, read once at start
// and never changed.
var clockBase = time.Now()

// monoNanos is t as nanoseconds since clockBase on the monotonic clock
// (time.Time.Sub uses the monotonic readings): for timestamps kept in
// atomics and compared later. t.UnixNano() is the wall clock, which an NTP
// step moves (docs/reliability.md F8): a stamp taken before a step backwards
// then looked younger than it was for as long as the step, and one taken
// before a step forwards looked stale at once.
func monoNanos(t time.Time) int64 { return int64(t.Sub(clockBase)) }
