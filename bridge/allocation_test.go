package bridge

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"
	"time"

	"meetd/colibri"
)

func testSources(owners ...string) []*videoSource {
	var out []*videoSource
	for i, o := range owners {
		s := &videoSource{name: o + "-v0", owner: o, primary: uint32(100 * (i + 1))}
		for j := range 3 {
			s.ssrcs = append(s.ssrcs, s.primary+uint32(j))
			s.heights[j].Store(int32(180 << j))
		}
		out = append(out, s)
	}
	return out
}

func TestAllocate(t *testing.T) {
	srcs := testSources("a", "b", "c")
	rank := map[string]int{"c": 0, "b": 1}
	cases := []struct {
		name      string
		msg       string
		budget    float64
		forwarded []string
		encs      map[string]int8
	}{
		{"defaults: 180 for all", ``, -1, []string{"c-v0", "b-v0", "a-v0"}, map[string]int8{"a": 0, "b": 0, "c": 0}},
		{"lastN 1 is the dominant speaker", `{"lastN":1}`, -1, []string{"c-v0"}, map[string]int8{"c": 0, "a": -1, "b": -1}},
		{"on stage first", `{"lastN":1,"onStageSources":["a-v0"],"constraints":{"a-v0":{"maxHeight":720}}}`,
			-1, []string{"a-v0"}, map[string]int8{"a": 2, "b": -1}},
		{"endpoint ids of older clients", `{"onStageEndpoints":["b"],"constraints":{"b":{"maxHeight":360}}}`,
			-1, []string{"b-v0", "c-v0", "a-v0"}, map[string]int8{"b": 1, "c": 0}},
		{"maxHeight 0 and default", `{"defaultConstraints":{"maxHeight":0},"constraints":{"a-v0":{"maxHeight":200}}}`,
			-1, []string{"a-v0"}, map[string]int8{"a": 0, "b": -1, "c": -1}},
		{"budget: on stage first, then as far as it goes", `{"onStageSources":["a-v0"],"constraints":{"a-v0":{"maxHeight":720}}}`,
			800_000, []string{"a-v0", "c-v0"}, map[string]int8{"a": 1, "c": 0, "b": -1}},
		{"budget below the lowest layer keeps the first", `{"lastN":2}`, 100_000, []string{"c-v0"}, map[string]int8{"c": 0}},
		{"unlimited", `{"defaultConstraints":{"maxHeight":-1}}`, -1, []string{"c-v0", "b-v0", "a-v0"}, map[string]int8{"a": 2}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := defaultPrefs()
			if tc.msg != "" {
				var m colibri.ReceiverVideoConstraints
				if err := json.Unmarshal([]byte(tc.msg), &m); err != nil {
					t.Fatal(err)
				}
				p.merge(&m)
			}
			a := allocate(&p, srcs, rank, tc.budget, time.Now())
			if !slices.Equal(a.forwarded, tc.forwarded) {
				t.Fatalf("forwarded %v, want %v", a.forwarded, tc.forwarded)
			}
			for i, s := range srcs {
				if want, ok := tc.encs[s.owner]; ok && a.target(s.primary).enc != want {
					t.Fatalf("source %d target %+v, want encoding %d", i, a.target(s.primary), want)
				}
			}
		})
	}
}

func TestTemporalFor(t *testing.T) {
	for fps, want := range map[float64]uint8{0: 2, 30: 2, 60: 2, 15: 1, 20: 1, 7.5: 0, 1: 0} {
		if got := temporalFor(fps); got != want {
			t.Errorf("temporalFor(%v) = %d, want %d", fps, got, want)
		}
	}
}

// TestSenderConstraints: a sender is told the largest height any receiver
// gets of its source, and 0 when nobody gets it.
func TestSenderConstraints(t *testing.T) {
	c, eps := testConference("a", "b", "c")
	giveVideo(c, eps["a"], 3)
	last := func() string {
		msgs := drain(eps["a"].msgQ)
		for i := len(msgs) - 1; i >= 0; i-- {
			var m colibri.SenderSourceConstraints
			if json.Unmarshal([]byte(msgs[i]), &m) == nil && m.Class == colibri.ClassSenderSourceConstraints {
				b, _ := json.Marshal(m.MaxHeight)
				return string(b)
			}
		}
		return "none"
	}
	if got := last(); got != "180" {
		t.Fatalf("initial sender constraint %s", got)
	}
	eps["b"].onChannelMessage([]byte(`{"colibriClass":"ReceiverVideoConstraints","constraints":{"a-v0":{"maxHeight":720}}}`))
	settle(c)
	if got := last(); got != "720" {
		t.Fatalf("after on-stage request: %s", got)
	}
	eps["c"].onChannelMessage([]byte(`{"colibriClass":"ReceiverVideoConstraints","defaultConstraints":{"maxHeight":-1}}`))
	settle(c)
	if got := last(); got != "2160" {
		t.Fatalf("a receiver without a limit: %s, want 2160 (clients refuse a negative height)", got)
	}
	for _, r := range []string{"b", "c"} {
		eps[r].onChannelMessage([]byte(`{"colibriClass":"ReceiverVideoConstraints","lastN":0}`))
	}
	settle(c)
	if got := last(); got != "0" {
		t.Fatalf("nobody receives: %s", got)
	}
}

// TestPrefsBounded: oversized constraint messages are cut to maxPrefKeys
// (docs/bad-input.md#m8).
func TestPrefsBounded(t *testing.T) {
	m := colibri.ReceiverVideoConstraints{Constraints: map[string]colibri.VideoConstraints{}}
	for i := range 1000 {
		m.OnStageSources = append(m.OnStageSources, fmt.Sprint(i))
		m.Constraints[fmt.Sprint(i)] = colibri.VideoConstraints{MaxHeight: -1 << 30}
	}
	p := defaultPrefs()
	p.merge(&m)
	if len(p.onStage) != maxPrefKeys || len(p.per) != maxPrefKeys {
		t.Fatalf("kept %d on-stage keys and %d constraints", len(p.onStage), len(p.per))
	}
	a := allocate(&p, testSources("a"), nil, -1, time.Now())
	if got := a.target(100); got.enc != 0 {
		t.Fatalf("target %+v", got)
	}
}

// TestScreenSharePriority: with lastN 1 a screen share wins over the
// dominant speaker's camera; a disabled source goes last.
func TestScreenSharePriority(t *testing.T) {
	srcs := testSources("a", "b", "c")
	srcs[1].kind.Store(videoDesktop)
	srcs[0].kind.Store(videoDisabled)
	rank := map[string]int{"a": 0, "c": 1, "b": 2}
	p := defaultPrefs()
	a := allocate(&p, srcs, rank, -1, time.Now())
	if want := []string{"b-v0", "c-v0", "a-v0"}; !slices.Equal(a.forwarded, want) {
		t.Fatalf("order %v, want %v", a.forwarded, want)
	}
}

func TestVideoTypeMessage(t *testing.T) {
	c, eps := testConference("a", "b")
	src := giveVideo(c, eps["a"], 1)
	eps["a"].onChannelMessage([]byte(`{"colibriClass":"SourceVideoTypeMessage","sourceName":"a-v0","videoType":"desktop"}`))
	if src.kind.Load() != videoDesktop {
		t.Fatal("SourceVideoTypeMessage ignored")
	}
	eps["b"].onChannelMessage([]byte(`{"colibriClass":"SourceVideoTypeMessage","sourceName":"a-v0","videoType":"none"}`))
	if src.kind.Load() != videoDesktop {
		t.Fatal("another endpoint changed a's source")
	}
	eps["a"].onChannelMessage([]byte(`{"colibriClass":"VideoTypeMessage","videoType":"camera"}`))
	if src.kind.Load() != videoCamera {
		t.Fatal("VideoTypeMessage ignored")
	}
}

// TestSingleEncodingSenderHeight: a source without simulcast cannot be
// thinned by the bridge, so the height asked of its sender follows the
// receiver's bandwidth.
func TestSingleEncodingSenderHeight(t *testing.T) {
	s := &videoSource{name: "a-v0", owner: "a", primary: 100, ssrcs: []uint32{100}}
	s.heights[0].Store(720)
	p := defaultPrefs()
	p.per = map[string]constraint{"a-v0": {maxHeight: 720}}
	for _, tc := range []struct {
		budget float64
		want   int
	}{{-1, 720}, {5_000_000, 720}, {1_000_000, 360}, {400_000, 180}} {
		a := allocate(&p, []*videoSource{s}, nil, tc.budget, time.Now())
		if got := a.effective[s]; got != tc.want || a.target(100).enc != 0 {
			t.Errorf("budget %.0f: sender asked for %d lines, want %d", tc.budget, got, tc.want)
		}
	}
}

// TestAllocateSVCMeasured: a VP9 SVC source on stage at 720 lines with
// measured spatial layer rates; a layer costs its own rate and those of
// the layers below it, so the estimate picks the highest layer whose sum
// fits (the first source keeps its base layer below that), and a layer
// that is held down by the estimate is marked squeezed.
func TestAllocateSVCMeasured(t *testing.T) {
	cases := []struct {
		name     string
		rates    [3]int64
		budget   float64
		want     int8
		squeezed bool
	}{
		{"all fit", [3]int64{150_000, 250_000, 600_000}, 1_200_000, 2, false},
		{"top does not fit with the layers below", [3]int64{150_000, 250_000, 600_000}, 900_000, 1, true},
		{"214 kbit/s: base only", [3]int64{150_000, 250_000, 600_000}, 214_000, 0, true},
		{"starved sender: low measured rates fit", [3]int64{40_000, 60_000, 100_000}, 214_000, 2, false},
		{"130 kbit/s below the base layer keeps it", [3]int64{150_000, 250_000, 600_000}, 130_000, 0, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			now := time.Now()
			s := testSources("a")[0]
			s.svc.Store(3)
			for i, r := range tc.rates {
				s.rates[i].Store(r)
				s.seen[i].Store(monoNanos(now))
			}
			p := defaultPrefs()
			p.onStage = []string{"a-v0"}
			p.per = map[string]constraint{"a-v0": {maxHeight: 720}}
			a := allocate(&p, []*videoSource{s}, nil, tc.budget, now)
			got := a.target(s.primary)
			if got.enc != tc.want || got.squeezed != tc.squeezed {
				t.Fatalf("target %+v, want layer %d squeezed %v", got, tc.want, tc.squeezed)
			}
			if tc.want > 0 && a.sending > tc.budget {
				t.Fatalf("sending %.0f over the budget %.0f", a.sending, tc.budget)
			}
		})
	}
}
