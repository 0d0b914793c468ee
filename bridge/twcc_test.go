package bridge

import (
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// parseFeedback unmarshals one transport-cc feedback packet and lists what
// it reports: arrival time (µs on the feedback's clock) per received
// sequence number, and the lost ones.
func parseFeedback(t *testing.T, raw []byte) (*rtcp.TransportLayerCC, map[uint16]int64, []uint16) {
	t.Helper()
	if len(raw)%4 != 0 {
		t.Fatalf("feedback of %d bytes", len(raw))
	}
	pkts, err := rtcp.Unmarshal(raw)
	if err != nil || len(pkts) != 1 {
		t.Fatalf("unmarshal: %v (%d packets)", err, len(pkts))
	}
	fb, ok := pkts[0].(*rtcp.TransportLayerCC)
	if !ok {
		t.Fatalf("got %T", pkts[0])
	}
	got, lost := map[uint16]int64{}, []uint16(nil)
	walkFeedback(fb, func(seq uint16, received bool, at int64) {
		if received {
			got[seq] = at
		} else {
			lost = append(lost, seq)
		}
	})
	return fb, got, lost
}

// TestTWCCFeedback: arrivals (with a loss, a reordering, a duplicate, a
// sequence-number wrap and a late packet) come back from pion's parser
// with their arrival times to the 250 µs unit, one feedback per interval.
func TestTWCCFeedback(t *testing.T) {
	tw := newTWCCState(1)
	t0 := tw.start
	type arrival struct {
		seq uint16
		ms  float64
	}
	first := []arrival{{65533, 1}, {65534, 2.3}, {0, 4}, {65535, 3.9}, {0, 4.1}, {2, 20}, {3, 99}}
	var raw []byte
	for _, a := range first {
		raw = tw.record(7, a.seq, t0.Add(time.Duration(a.ms*float64(time.Millisecond))))
	}
	if raw != nil {
		t.Fatal("feedback before the interval")
	}
	raw = tw.record(7, 4, t0.Add(twccInterval+time.Millisecond))
	fb, got, lost := parseFeedback(t, raw)
	if fb.SenderSSRC != 1 || fb.MediaSSRC != 7 || fb.BaseSequenceNumber != 65533 || fb.PacketStatusCount != 8 {
		t.Fatalf("header %+v", fb)
	}
	if len(lost) != 1 || lost[0] != 1 || len(got) != 7 {
		t.Fatalf("received %v, lost %v", got, lost)
	}
	// Arrival times are relative to the reference time; compare gaps.
	for _, a := range first {
		want := int64(a.ms*1000) / 250 * 250
		if a.seq == 0 {
			want = 4000
		}
		if d := (got[a.seq] - got[65533]) - (want - 1000); d != 0 {
			t.Fatalf("seq %d at %d, want %d after the first", a.seq, got[a.seq]-got[65533], want-1000)
		}
	}
	// A late packet of the first window is not reported again; the next
	// feedback starts after it and counts on.
	tw.record(7, 1, t0.Add(2*twccInterval))
	raw = tw.record(7, 5, t0.Add(2*twccInterval+time.Millisecond))
	fb, got, _ = parseFeedback(t, raw)
	if fb.BaseSequenceNumber != 5 || fb.PacketStatusCount != 1 || fb.FbPktCount != 1 || len(got) != 1 {
		t.Fatalf("second feedback %+v %v", fb, got)
	}
}

// TestTWCCFeedbackSplits: a gap too long for a 16-bit delta, and more
// arrivals than one packet carries, make several feedback packets that
// together report every arrival once.
func TestTWCCFeedbackSplits(t *testing.T) {
	tw := newTWCCState(1)
	t0 := tw.start
	var packets [][]byte
	note := func(raw []byte) {
		if raw != nil {
			packets = append(packets, append([]byte(nil), raw...))
		}
	}
	note(tw.record(7, 10, t0.Add(time.Millisecond)))
	note(tw.record(7, 11, t0.Add(10*time.Second))) // 9 s after: does not fit a delta
	for i := range 2 * twccMaxArrivals {
		note(tw.record(7, uint16(12+i), t0.Add(10*time.Second+time.Duration(i)*time.Microsecond)))
	}
	for len(tw.arrivals) > 0 {
		note(tw.build())
	}
	seen := map[uint16]bool{}
	for _, raw := range packets {
		_, got, lost := parseFeedback(t, raw)
		if len(lost) != 0 {
			t.Fatalf("lost %v", lost)
		}
		for seq := range got {
			if seen[seq] {
				t.Fatalf("seq %d reported twice", seq)
			}
			seen[seq] = true
		}
	}
	if len(seen) != 2+2*twccMaxArrivals || len(packets) < 3 {
		t.Fatalf("%d reported in %d packets", len(seen), len(packets))
	}
}

// TestAppendChunks: long runs become run-length chunks, the rest two-bit
// vectors.
func TestAppendChunks(t *testing.T) {
	syms := []uint8{1, 0, 2, 1}
	for range 20 {
		syms = append(syms, 0)
	}
	syms = append(syms, 1, 1)
	b := appendChunks(nil, syms)
	want := []byte{0xC0 | 1<<4 | 2, 1 << 6, 0, 17, 0xC0 | 1<<4 | 1<<2, 0}
	if string(b) != string(want) {
		t.Fatalf("chunks % x, want % x", b, want)
	}
}
