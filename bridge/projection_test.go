package bridge

import (
	"testing"
	"time"
)

// frame is one input packet for the projection tests.
type frame struct {
	enc  int8
	seq  uint16
	ts   uint32
	pid  uint16
	tl0  uint8
	tid  uint8
	key  bool
	want bool // forwarded
}

func TestProjection(t *testing.T) {
	t0 := time.Unix(1000, 0)
	cases := []struct {
		name   string
		target []layerTarget // per packet (last one repeats)
		in     []frame
		last   projected // when set: the last output's PictureID and TL0PICIDX
	}{
		{"waits for a keyframe", []layerTarget{{enc: 0, tid: 2}}, []frame{
			{enc: 0, seq: 10, want: false}, {enc: 0, seq: 11, key: true, want: true}, {enc: 0, seq: 12, want: true}}, projected{}},
		{"drops temporal layers and closes the gap", []layerTarget{{enc: 0, tid: 1}}, []frame{
			{enc: 0, seq: 1, key: true, want: true}, {enc: 0, seq: 2, tid: 2}, {enc: 0, seq: 3, tid: 1, want: true},
			{enc: 0, seq: 4, tid: 2}, {enc: 0, seq: 5, tid: 0, want: true}}, projected{}},
		{"switches up at the target's keyframe", []layerTarget{{enc: 0, tid: 2}, {enc: 0, tid: 2}, {enc: 2, tid: 2}}, []frame{
			{enc: 0, seq: 1, ts: 100, pid: 1, tl0: 1, key: true, want: true},
			{enc: 0, seq: 2, ts: 3100, pid: 2, tl0: 2, want: true},
			{enc: 2, seq: 500, ts: 90000, pid: 900, tl0: 50, want: false},
			{enc: 0, seq: 3, ts: 6100, pid: 3, tl0: 3, want: true},
			{enc: 2, seq: 501, ts: 93000, pid: 901, tl0: 51, key: true, want: true},
			{enc: 0, seq: 4, ts: 9100, pid: 4, tl0: 4, want: false},
			{enc: 2, seq: 502, ts: 96000, pid: 902, tl0: 52, want: true}}, projected{pid: 5, tl0: 5}},
		{"target off stops at once", []layerTarget{{enc: 0, tid: 2}, {enc: -1, tid: 0}}, []frame{
			{enc: 0, seq: 1, key: true, want: true}, {enc: 0, seq: 2, key: true, want: false}}, projected{}},
		{"late packet from before a switch is dropped", []layerTarget{{enc: 1, tid: 2}}, []frame{
			{enc: 1, seq: 50, key: true, want: true}, {enc: 1, seq: 49, want: false}, {enc: 1, seq: 51, want: true}}, projected{}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := newProjection()
			var outs []projected
			now := t0
			for i, f := range tc.in {
				tgt := tc.target[min(i, len(tc.target)-1)]
				v := vp8Info{keyframe: f.key, start: true, pid: f.pid, pidLong: true, tl0: f.tl0, hasTID: true, tid: f.tid}
				out, ok := p.project(f.seq, f.ts, f.enc, &v, tgt, now)
				if ok != f.want {
					t.Fatalf("packet %d (%+v): forwarded=%v", i, f, ok)
				}
				if ok {
					outs = append(outs, out)
				}
				now = now.Add(33 * time.Millisecond)
			}
			checkContinuous(t, outs)
			if l := outs[len(outs)-1]; tc.last.pid != 0 && (l.pid != tc.last.pid || l.tl0 != tc.last.tl0) {
				t.Fatalf("last output %+v, want picture id %d and tl0picidx %d", l, tc.last.pid, tc.last.tl0)
			}
		})
	}
}

// checkContinuous checks that output timestamps, PictureIDs and
// TL0PICIDX never go back, and sequence numbers have no gaps.
func checkContinuous(t *testing.T, outs []projected) {
	t.Helper()
	for i := 1; i < len(outs); i++ {
		a, b := outs[i-1], outs[i]
		if b.seq != a.seq+1 {
			t.Fatalf("sequence %d -> %d", a.seq, b.seq)
		}
		if b.ts-a.ts > 1<<31 {
			t.Fatalf("timestamp %d -> %d", a.ts, b.ts)
		}
		if (b.pid-a.pid)&0x7FFF > 0x4000 {
			t.Fatalf("picture id %d -> %d", a.pid, b.pid)
		}
		if b.tl0-a.tl0 > 128 {
			t.Fatalf("tl0picidx %d -> %d", a.tl0, b.tl0)
		}
	}
}

func TestCloser(t *testing.T) {
	cases := []struct {
		enc, cur, target int8
		want             bool
	}{
		{0, -1, 2, true}, {2, -1, 2, true}, {2, -1, 1, false}, {1, 0, 2, true}, {0, 2, 0, true},
		{1, 2, 0, false}, {1, 2, 1, true}, {2, 0, 1, false}, {0, 1, 2, false},
	}
	for _, tc := range cases {
		if got := closer(tc.enc, tc.cur, tc.target); got != tc.want {
			t.Errorf("closer(%d, %d, %d) = %v", tc.enc, tc.cur, tc.target, got)
		}
	}
}

// TestProjectionLongRun: a stream keeps flowing across sequence-number
// wraps (a 720p layer wraps every five minutes).
func TestProjectionLongRun(t *testing.T) {
	p := newProjection()
	now := time.Unix(1, 0)
	v := vp8Info{keyframe: true, start: true, pidLong: true, hasTID: true}
	prev := uint16(0)
	for i := range 200_000 {
		seq := uint16(i + 60_000)
		out, ok := p.project(seq, uint32(i)*3000, 2, &v, layerTarget{enc: 2, tid: 2}, now)
		if !ok {
			t.Fatalf("packet %d (seq %d) dropped", i, seq)
		}
		if i > 0 && out.seq != prev+1 {
			t.Fatalf("packet %d: sequence %d after %d", i, out.seq, prev)
		}
		prev = out.seq
		v.keyframe = false
	}
}
