package bridge

import (
	"os"
	"runtime"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/colibri"
)

// Reliability.md row F11, the long call: an 8-hour call is 1.44 million
// audio packets (50 per second) and, at 30 frames per second in two packets
// each, 1.73 million video packets. TestLongCall pushes a call's worth of
// packets through a real bridge as fast as it forwards them, from a sender
// whose sequence numbers, RTP timestamps and VP8 picture ids start just
// below their wrap (so SRTP rollover counters advance many times), to a
// receiver that decrypts everything. It samples the live heap (after GC)
// and the goroutines ten times and fails if either grows from interval to
// interval beyond a fixed slack, if the receiver cannot decrypt a packet,
// or if media stops being forwarded.
//
// By default it runs one hour of call (about 400,000 packets, about 40 s on
// a loaded 2-core machine), ten minutes with -race. MEETD_LONGCALL=8h runs
// the 8-hour count (about 5 minutes without -race).
func TestLongCall(t *testing.T) {
	if testing.Short() {
		t.Skip("long call")
	}
	callLen := time.Hour
	if raceEnabled {
		callLen = 10 * time.Minute
	}
	if v := os.Getenv("MEETD_LONGCALL"); v != "" {
		d, err := time.ParseDuration(v)
		must(t, err)
		callLen = d
	}
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	lc := startLongCall(t)
	defer lc.stop()
	audioN := int(callLen.Seconds() * 50)
	const framesPerAudio = 30.0 / 50 // 30 two-packet frames a second beside 50 audio packets
	const samples = 10
	heap, gor := make([]uint64, 0, samples+1), make([]int, 0, samples+1)
	sample := func() {
		heap = append(heap, heapAfterGC())
		gor = append(gor, runtime.NumGoroutine())
	}
	start := time.Now()
	sample()
	s := lc.s
	seq, ts := uint16(65536-500), uint32(1<<32-500*960)
	vseq, vts, pic := uint16(65536-300), uint32(1<<32-300*3000), uint16(0x7fff-100)
	var frameDebt float64
	sent := 0
	for i := range audioN {
		s.write(s.encrypt(s.audioPacket(seq, ts)))
		seq++
		ts += 960
		sent++
		for frameDebt += framesPerAudio; frameDebt >= 1; frameDebt-- {
			// Two packets per frame: a keyframe every 3 s of video.
			s.write(s.encrypt(longVP8(s, vseq, vts, pic, false)))
			vseq++
			s.write(s.encrypt(longVP8(s, vseq, vts, pic, true)))
			vseq++
			vts += 3000
			pic = (pic + 1) & 0x7fff
			sent += 2
		}
		if i%50 == 49 {
			lc.pace(i + 1)
		}
		if (i+1)%(audioN/samples) == 0 {
			sample()
		}
	}
	lc.pace(audioN)
	elapsed := time.Since(start)
	k := lc.k
	t.Logf("%v of call: %d audio + %d video packets sent in %v (%.0f pps); received %d audio, %d video, %d undecryptable",
		callLen, audioN, sent-audioN, elapsed.Round(time.Second), float64(sent)/elapsed.Seconds(),
		k.audioIn.Load(), k.videoIn.Load(), k.rtpBad.Load())
	t.Logf("heap after GC (KiB): %v", kib(heap))
	t.Logf("goroutines: %v", gor)
	if bad := k.rtpBad.Load(); bad != 0 {
		t.Errorf("%d forwarded packets did not decrypt at the receiver (rollover counter lost)", bad)
	}
	if a := k.audioIn.Load(); a < int64(audioN)*95/100 {
		t.Errorf("receiver decrypted %d of %d audio packets", a, audioN)
	}
	// Growth: after the first interval (warm-up) the live heap only moves
	// with the packets in flight (pion's buffers hold a few MiB at most):
	// no sample may exceed the largest of the first three by more than
	// 4 MiB, and the mean of the last three may not exceed the mean of
	// samples 1-3 by more than 2 MiB. Goroutines stay put.
	base := max(heap[1], heap[2], heap[3])
	for i := 4; i < len(heap); i++ {
		if heap[i] > base+4<<20 {
			t.Errorf("heap %d KiB in interval %d, %d KiB in the first ones", heap[i]>>10, i, base>>10)
		}
	}
	n := len(heap)
	if late, early := (heap[n-1]+heap[n-2]+heap[n-3])/3, (heap[1]+heap[2]+heap[3])/3; late > early+2<<20 {
		t.Errorf("heap trend: %d KiB early, %d KiB late", early>>10, late>>10)
	}
	for i := 2; i < len(gor); i++ {
		if gor[i] > gor[1]+2 {
			t.Errorf("goroutines %d -> %d", gor[1], gor[i])
		}
	}
	// Still forwarding at the end, across every wrap that happened.
	a0, v0 := k.audioIn.Load(), k.videoIn.Load()
	for range 50 {
		s.write(s.encrypt(s.audioPacket(seq, ts)))
		s.write(s.encrypt(longVP8(s, vseq, vts, pic, true)))
		seq, ts, vseq, vts, pic = seq+1, ts+960, vseq+1, vts+3000, (pic+1)&0x7fff
		sleepMS(2)
	}
	eventually(t, "audio and video forwarded at the end", func() bool {
		return k.audioIn.Load() >= a0+45 && k.videoIn.Load() >= v0+45
	})
}

func kib(v []uint64) []uint64 {
	out := make([]uint64, len(v))
	for i, x := range v {
		out[i] = x >> 10
	}
	return out
}

// longVP8 is one packet of a two-packet VP8 frame (the first starts the
// partition; keyframe when pic%90 == 0), 15-bit picture id.
func longVP8(h *hostile, seq uint16, ts uint32, pic uint16, last bool) []byte {
	desc := []byte{0x80, 0x80, 0x80 | byte(pic>>8), byte(pic)}
	if !last {
		desc[0] |= 0x10 // S: start of partition
	}
	payload := append(desc, make([]byte, 600)...)
	if !last {
		payload[4] = 0x01 // inter frame
		if pic%90 == 0 {
			payload[4] = 0x00 // keyframe
		}
	}
	p := h.videoPacket(seq, ts, 0)
	p = p[:12]
	p[1] = 100
	if last {
		p[1] |= 0x80 // marker
	}
	return append(p, payload...)
}

// longCall is a bridge with a hostile sender s and a hostile receiver k.
type longCall struct {
	t    *testing.T
	s, k *hostile
	stop func()
}

func startLongCall(t *testing.T) *longCall {
	t.Helper()
	b, fc, stopBridge := startBridge(t, "")
	meeting := "m-longcall"
	cm := fc.modify(t, createXML(meeting, true, "s", "k"))
	trs := map[string]*colibri.Transport{}
	for _, ep := range cm.Endpoints {
		trs[ep.ID] = ep.Transport
	}
	lc := &longCall{t: t, s: newHostile(t, "s", 9001, 9010), k: newHostile(t, "k", 9101, 9110)}
	for _, h := range []*hostile{lc.s, lc.k} {
		h.signal(fc, meeting, h.cert)
		h.connectICE(trs[h.id])
		must(t, h.handshake(h.cert))
	}
	eventually(t, "both endpoints ready", func() bool {
		c := b.conference(meeting)
		return c != nil && c.endpoint("s").srtpReady.Load() && c.endpoint("k").srtpReady.Load()
	})
	lc.stop = func() {
		lc.s.close()
		lc.k.close()
		stopBridge()
	}
	return lc
}

// pace waits until the receiver has the audio sent but a window (or a
// while passed: losses are counted at the end), so the run goes as fast as
// the bridge forwards without overrunning socket buffers.
func (lc *longCall) pace(audioSent int) {
	deadline := time.Now().Add(time.Second)
	for time.Now().Before(deadline) {
		if int(lc.k.audioIn.Load()) >= audioSent-60 {
			return
		}
		time.Sleep(200 * time.Microsecond)
	}
}
