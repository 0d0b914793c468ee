package bridge

import (
	"testing"
	"time"
	"unsafe"

	"meetd/colibri"
	"meetd/xmpp/jingle"
)

// steppedWall returns t with its wall clock moved by d and its monotonic
// reading unchanged: what time.Now() returns after an NTP step of d. The
// standard library cannot make such a value, so the test edits the fields
// of time.Time (wall: hasMonotonic flag, 33 bits of seconds since 1885 and
// 30 bits of nanoseconds; ext: the monotonic reading), the layout Go has
// used since 1.9. The test checks the result behaves as intended.
func steppedWall(t *testing.T, tm time.Time, d time.Duration) time.Time {
	t.Helper()
	type layout struct {
		wall uint64
		ext  int64
		loc  *time.Location
	}
	if unsafe.Sizeof(tm) != unsafe.Sizeof(layout{}) {
		t.Skip("time.Time layout changed")
	}
	l := *(*layout)(unsafe.Pointer(&tm))
	if l.wall&(1<<63) == 0 {
		t.Fatal("no monotonic reading")
	}
	l.wall = uint64(int64(l.wall) + int64(d/time.Second)<<30)
	out := *(*time.Time)(unsafe.Pointer(&l))
	if out.UnixNano()-tm.UnixNano() != int64(d/time.Second*time.Second) || out.Sub(tm) != 0 {
		t.Skip("cannot fake a wall-clock step on this Go version")
	}
	return out
}

// TestWallClockStep is docs/reliability.md row F8 for the bridge's clocks: the
// stamps it keeps in atomics (last audio of a speaker, last packet of a
// video layer, transport-cc send times) are compared on the monotonic clock,
// so an NTP step of an hour either way changes nothing. Before, they were
// Unix times: a step forwards made a speaker who just spoke silent and a
// live layer idle, a step backwards kept a speaker or a layer that stopped
// "active" for the hour.
func TestWallClockStep(t *testing.T) {
	t0 := time.Now()
	for _, step := range []time.Duration{time.Hour, -time.Hour} {
		t.Run(step.String(), func(t *testing.T) {
			at := func(d time.Duration) time.Time { return steppedWall(t, t0.Add(d), step) }
			var s speech
			s.observe(0, t0)
			if s.activity(at(10*time.Millisecond)) == 0 {
				t.Error("a speaker 10 ms after speaking counts as silent")
			}
			if s.activity(at(speakerStale+time.Second)) != 0 {
				t.Error("a speaker silent for longer than the stale time counts as speaking")
			}
			v := newVideoSource("a", colibri.MediaSource{ID: "a-v0",
				Sources: []jingle.Source{{SSRC: 1}, {SSRC: 2}},
				Groups:  []jingle.SSRCGroup{{Semantics: "SIM", Sources: []jingle.GroupEntry{{SSRC: 1}, {SSRC: 2}}}}})
			v.saw(1, t0)
			if got := v.activeAtOrBelow(1, at(10*time.Millisecond)); got != 1 {
				t.Errorf("a layer seen 10 ms ago is not active (got %d)", got)
			}
			if got := v.activeAtOrBelow(1, at(layerIdle+time.Second)); got != 0 {
				t.Errorf("a layer idle for longer than layerIdle is active (got %d)", got)
			}
			var l sentLog
			l.stamp(100, t0)
			l.stamp(100, at(20*time.Millisecond))
			_, a0, _ := l.lookup(0)
			_, a1, _ := l.lookup(1)
			if d := a1 - a0; d != 20000 {
				t.Errorf("send times 20 ms apart are %d µs apart", d)
			}
		})
	}
}
