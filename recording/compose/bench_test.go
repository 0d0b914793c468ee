package compose

import (
	"context"
	"io"
	"os"
	"strconv"
	"syscall"
	"testing"
	"time"

	"meetd/recording/testmedia"
)

// BenchmarkComposeTwo composes a two-person recording of
// MEETD_REC_BENCH_MINUTES minutes (default 1) from a 10-second 640×360
// VP8/Opus clip looped, through RTP packets and the depacketizers, and
// reports the ratio of wall time to recording time (docs/recording.md).
func BenchmarkComposeTwo(b *testing.B) {
	needFFmpeg(b)
	minutes := 1
	if s := os.Getenv("MEETD_REC_BENCH_MINUTES"); s != "" {
		minutes, _ = strconv.Atoi(s)
	}
	dir := b.TempDir()
	var cl [2]testmedia.Clip
	for i, f := range []int{440, 880} {
		c, err := testmedia.Make(dir, 10, 640, 360, 15, f)
		if err != nil {
			b.Fatal(err)
		}
		cl[i] = c
	}
	loops := minutes * 6
	dur := time.Duration(minutes) * time.Minute
	b.ResetTimer()
	for b.Loop() {
		ps := []Participant{
			{Name: "Therapist", Video: videoStream(b, cl[0], 0, loops, 0), Audio: audioStream(b, cl[0], 0, loops)},
			{Name: "Client", Video: videoStream(b, cl[1], 0, loops, 0), Audio: audioStream(b, cl[1], 0, loops)},
		}
		start, goStart := time.Now(), selfCPU()
		res, err := Compose(context.Background(), ps, io.Discard, Options{Duration: dur})
		if err != nil {
			b.Fatal(err)
		}
		wall := time.Since(start)
		cpu := res.CPU + selfCPU() - goStart // ffmpeg plus the depacketizers
		b.ReportMetric(wall.Seconds()/dur.Seconds(), "wall/recorded")
		// CPU seconds spread over two cores: the wall ratio on an otherwise idle
		// 2-core machine if the work spreads evenly (a lower bound of it).
		b.ReportMetric(cpu.Seconds()/2/dur.Seconds(), "cpu/2cores/recorded")
		b.ReportMetric(cpu.Seconds()/dur.Seconds(), "cpu/recorded")
		b.ReportMetric(float64(res.Size)/dur.Seconds()*8/1000, "kbit/s")
	}
}

// selfCPU is this process's user + system CPU time so far.
func selfCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
