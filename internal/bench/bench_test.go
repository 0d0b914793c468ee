package bench

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net"
	"os"
	"strings"
	"testing"
	"time"
)

func TestParseStatCPU(t *testing.T) {
	tests := []struct {
		name string
		line string
		want time.Duration
		err  bool
	}{
		{"plain", "42 (meetd) S 1 42 42 0 -1 4194560 100 0 0 0 150 50 0 0 20 0 9 0 10 0 0", 200 * clockTick, false},
		{"name with spaces and parens", "7 (a (b) c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 1 0 0", 7 * clockTick, false},
		{"truncated", "7 (x) R 1 2", 0, true},
		{"no name", "garbage", 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseStatCPU([]byte(tc.line))
			if (err != nil) != tc.err || got != tc.want {
				t.Fatalf("got %v, %v; want %v (err %v)", got, err, tc.want, tc.err)
			}
		})
	}
}

func TestSampleSelf(t *testing.T) {
	s, err := SampleProc(os.Getpid())
	if err != nil || s.RSS <= 0 {
		t.Fatalf("sample of self: %+v %v", s, err)
	}
	if _, err := SampleProc(-1); !errors.Is(err, ErrNoProcess) {
		t.Fatalf("sample of no process: %v", err)
	}
	if _, err := UDPDrops(os.Getpid()); err != nil {
		t.Fatalf("udp drops: %v", err)
	}
	if _, err := SystemCPU(); err != nil {
		t.Fatal(err)
	}
}

func TestSpreadAndNiceCeil(t *testing.T) {
	s := spreadOf([]float64{3, 1, 2})
	if s.med != 2 || s.lo != 1 || s.hi != 3 || s.fmt(1) != "2.0 (1.0–3.0)" {
		t.Fatalf("spread %+v %q", s, s.fmt(1))
	}
	if s := spreadOf([]float64{4, 2}); s.med != 3 {
		t.Fatalf("even median %v", s.med)
	}
	for in, want := range map[float64]float64{0: 1, 7: 10, 12: 20, 45: 50, 99000: 100000} {
		if got := niceCeil(in); got != want {
			t.Errorf("niceCeil(%v) = %v, want %v", in, got, want)
		}
	}
}

// TestForwarder runs the minimal forwarder in-process: every input packet
// must reach every sink, counted by the stats query.
func TestForwarder(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	sinks, err := OpenSinks("127.0.0.1", 3)
	if err != nil {
		t.Fatal(err)
	}
	defer sinks.Close()
	done := make(chan error, 1)
	go func() { done <- Forward(ctx, conn, sinks.Addrs) }()
	g, err := NewGenerator(conn.LocalAddr().(*net.UDPAddr).AddrPort(), 200)
	if err != nil {
		t.Fatal(err)
	}
	defer g.Close()
	gctx, stop := context.WithTimeout(ctx, 300*time.Millisecond)
	g.Run(gctx, 1000)
	stop()
	time.Sleep(50 * time.Millisecond)
	n, err := g.Count()
	if err != nil {
		t.Fatal(err)
	}
	if n < 3*200 || n%3 != 0 {
		t.Fatalf("forwarded %d packets, want a multiple of 3 and ≥ 600", n)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func fakeReport() *Report {
	rep := &Report{Rounds: 2, Scenario: map[string]Scenario{"S2": S2()}}
	for round := 1; round <= 2; round++ {
		f := float64(round)
		rep.Results = append(rep.Results,
			Result{System: "meetd", Scenario: "S2", Round: round, FwdPPS: 30000, USPerPkt: 10 + f, LatP50: time.Millisecond},
			Result{System: "minimal forwarder", Scenario: "S2", Round: round, FwdPPS: 30000, USPerPkt: 5},
			Result{System: "janus", Scenario: "S2", Round: round, FwdPPS: 30000, USPerPkt: 40},
			Result{System: "galene", Scenario: "S2", Round: round, FwdPPS: 30000, USPerPkt: 20},
			Result{System: "galene", Scenario: "S3-50", Round: round, FwdPPS: 8000, USPerPkt: 4}, // forwards too little
			Result{System: "meetd", Scenario: "S3-50", Round: round, FwdPPS: 10000, USPerPkt: 9})
	}
	rep.Ceiling = []Result{{System: "meetd", Scenario: "C-2", FwdPPS: 70000, LatP99: time.Millisecond},
		{System: "meetd", Scenario: "C-4", FwdPPS: 90000, Loss: 0.01},
		{System: "galene", Scenario: "C-2", FwdPPS: 70000, LatP99: 20 * time.Millisecond}}
	for round, mib := range []int64{40, 38, 45} { // 0.4, 0.36, 0.5 MiB per endpoint
		rep.Memory = append(rep.Memory, Result{System: "meetd", Scenario: "M-10", Round: round + 1, RSS: 20 << 20},
			Result{System: "meetd", Scenario: "M-60", Round: round + 1, RSS: mib << 20},
			Result{System: "janus", Scenario: "M-10", Round: round + 1, RSS: 20 << 20},
			Result{System: "janus", Scenario: "M-60", Round: round + 1, RSS: 35 << 20}) // 0.3 MiB
	}
	return rep
}

func TestReport(t *testing.T) {
	rep := fakeReport()
	var md bytes.Buffer
	rep.WriteTargets(&md, "meetd", "galene", "janus")
	rep.WriteRatios(&md, "meetd", "galene", "janus")
	rep.WriteMarkdown(&md)
	for _, want := range []string{
		"| meetd CPU/pkt ≤ 0.5 × galene in S2 | S2: 0.57 (0.55–0.60) | **no** |",
		"| meetd CPU/pkt ≤ 0.5 × galene in S3 | S3-50: no valid galene data | **no** |",
		"| R ≤ 1.5 in every scenario | S2: R 2.30 (2.20–2.40) | **no** |",
		"| 70000 pps | **no** |",
		"| memory per receive-only endpoint ≤ janus's | 0.400 (0.360–0.500) MiB against 0.300 MiB (3 / 3 runs) | **no** |",
		"| S2 | 0.57 (0.55–0.60) | 1.00 | 0.29 (0.28–0.30) | 1.00 |",
		"| S3-50 | (2.25, not comparable) | **0.80** | — | — |",
		"- meetd ceiling (highest step with loss < 0.1 % and p99 < 10 ms): **70000 forwarded pps on one core**; the next step (C-4",
		"- galene ceiling (highest step with loss < 0.1 % and p99 < 10 ms): **0 forwarded pps on one core**",
		"| meetd | 3 | M-10 / M-60 | 20.0 / 45.0 | 0.500 |",
		"| meetd | median (min–max) | | | 0.400 (0.360–0.500) |",
		"| S2 | meetd | 30000 | 11.50 (11.00–12.00) |",
	} {
		if !strings.Contains(md.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, md.String())
		}
	}
	mem := &Report{Memory: rep.Memory}
	var mmd bytes.Buffer
	mem.WriteTargets(&mmd, "meetd", "meetd", "meetd")
	if got := mmd.String(); strings.Contains(got, "**no**") || !strings.Contains(got, "0.400 (0.360–0.500) MiB against 0.400 (0.360–0.500) MiB (3 / 3 runs) | yes |") {
		t.Errorf("memory-only targets:\n%s", got)
	}
	if rep.CeilingPPS() != 70000 {
		t.Errorf("ceiling %v", rep.CeilingPPS())
	}
	var svg bytes.Buffer
	rep.WriteSVG(&svg)
	d := xml.NewDecoder(&svg)
	for {
		if _, err := d.Token(); err != nil {
			if !errors.Is(err, io.EOF) {
				t.Fatalf("svg not well-formed: %v", err)
			}
			break
		}
	}
}

func TestWriteSoak(t *testing.T) {
	flat := []SoakSample{{RSS: 30 << 20}, {RSS: 40 << 20}, {RSS: 41 << 20}, {RSS: 40 << 20}, {RSS: 41 << 20}, {RSS: 40 << 20}, {RSS: 41 << 20}}
	if !WriteSoak(io.Discard, flat) {
		t.Error("flat RSS reported as drift")
	}
	grow := []SoakSample{{RSS: 30 << 20}, {RSS: 40 << 20}, {RSS: 45 << 20}, {RSS: 50 << 20}, {RSS: 55 << 20}, {RSS: 60 << 20}, {RSS: 65 << 20}}
	if WriteSoak(io.Discard, grow) {
		t.Error("growing RSS not reported")
	}
	failed := append([]SoakSample(nil), flat...)
	failed[3].Failed = 1
	if WriteSoak(io.Discard, failed) {
		t.Error("failed joins not reported")
	}
}
