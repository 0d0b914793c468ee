package bench

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"meetd/internal/meetdtest"
)

// TestBridgesSystem: meetd without its built-in bridge and two `meetd
// bridge` processes; four rooms announcing the bridges' two regions put
// media on both bridges (each measured bridge forwards), and a single
// bridge carries two rooms. Only the bridges' CPU is counted.
func TestBridgesSystem(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs meetd and two bridges")
	}
	bin := meetdtest.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tm := Timing{Warmup: 2 * time.Second, Window: 3 * time.Second}
	tests := []struct {
		name  string
		sys   *BridgesSystem
		rooms int
	}{
		{"one bridge", &BridgesSystem{Bin: bin, Label: "1-bridge", CPUs: []string{""}}, 2},
		{"two bridges", &BridgesSystem{Bin: bin, Label: "2-bridges", CPUs: []string{"", ""}}, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := Bridges(tt.rooms)
			sc.Load.Endpoints, sc.Load.Senders = 4*tt.rooms, 4*tt.rooms // rooms of 4
			r, err := Measure(ctx, tt.sys, sc, tm, func(s string) { t.Log(s) })
			if err != nil {
				t.Fatal(err)
			}
			if r.Failed > 0 || r.FwdPPS <= 0 || r.CPU <= 0 {
				t.Fatalf("failed %d, fwd pps %.0f, cpu %v", r.Failed, r.FwdPPS, r.CPU)
			}
			if len(tt.sys.CPUs) > 1 {
				if len(r.EachCores) != len(tt.sys.CPUs) {
					t.Fatalf("cores of %d bridges, want %d", len(r.EachCores), len(tt.sys.CPUs))
				}
				for i, c := range r.EachCores {
					if c < 0.2*r.Cores/float64(len(r.EachCores)) {
						t.Errorf("bridge %d used %.3f of %.3f cores: its rooms are not on it", i, c, r.Cores)
					}
				}
			}
		})
	}
}

// TestWriteBridges: ratios of two bridges to one, a failed cell.
func TestWriteBridges(t *testing.T) {
	one := &Result{FwdPPS: 10000, USPerPkt: 10, Cores: 0.1}
	two := &Result{FwdPPS: 19000, USPerPkt: 10.5, Cores: 0.2, EachCores: []float64{0.1, 0.1}}
	var b bytes.Buffer
	WriteBridges(&b, []BridgesRow{{Rooms: 4, Round: 1, One: one, Two: two}, {Rooms: 8, Round: 1, One: one}})
	out := b.String()
	for _, want := range []string{"| 1.90 | 1.05 |", "failed", "(0.10 + 0.10)", "1.90× one bridge's packets at 1.05×"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestWriteRelay: a room of 20 forwarding 19,000 pps relays 1,000 input
// packets/s; 0.02 cores more is 20 µs per relayed packet.
func TestWriteRelay(t *testing.T) {
	one := &Result{FwdPPS: 19000, USPerPkt: 10, Cores: 0.19}
	relay := &Result{FwdPPS: 19000, USPerPkt: 11.05, Cores: 0.21, EachCores: []float64{0.11, 0.10}}
	var b bytes.Buffer
	WriteRelay(&b, []BridgesRow{{Rooms: 20, Round: 1, One: one, Relay: relay}, {Rooms: 20, Round: 2, One: one}})
	out := b.String()
	for _, want := range []string{"| 1.00 | 1000 | 20.0 |", "| – | – | – |", "Median over rounds: 20.0 µs"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

// TestBridgesRelayedRoom: a room split over two bridges by region (a
// Colibri2 relay between them) delivers the packets the same room gets on
// one bridge.
func TestBridgesRelayedRoom(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs meetd and two bridges")
	}
	bin := meetdtest.Binary(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	tm := Timing{Warmup: 3 * time.Second, Window: 3 * time.Second}
	progress := func(s string) { t.Log(s) }
	one, err := Measure(ctx, &BridgesSystem{Bin: bin, Label: "1-bridge", CPUs: []string{""}}, RelayRoom(6, false), tm, progress)
	if err != nil {
		t.Fatal(err)
	}
	relayed, err := Measure(ctx, &BridgesSystem{Bin: bin, Label: "2-relayed", CPUs: []string{"", ""}, RelayCA: true}, RelayRoom(6, true), tm, progress)
	if err != nil {
		t.Fatal(err)
	}
	if one.FwdPPS <= 0 || relayed.FwdPPS < 0.95*one.FwdPPS {
		t.Fatalf("relayed room forwarded %.0f pps, the same room on one bridge %.0f", relayed.FwdPPS, one.FwdPPS)
	}
	for i, c := range relayed.EachCores {
		if c < 0.2*relayed.Cores/2 {
			t.Errorf("bridge %d used %.3f of %.3f cores: the room is not split", i, c, relayed.Cores)
		}
	}
}
