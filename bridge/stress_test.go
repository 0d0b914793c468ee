package bridge

import (
	"strconv"
	"testing"
	"time"

	"meetd/xmpp/ns"
)

func TestStressMeter(t *testing.T) {
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name    string
		at      time.Duration
		packets uint64
		want    float64
	}{
		{"first sample has no rate", 0, 500, 0},
		{"rate over the interval", 5 * time.Second, 50500, 10000},
		{"idle", 10 * time.Second, 50500, 0},
		{"counter went back: rate kept", 15 * time.Second, 10, 0},
		{"same instant: rate kept", 15 * time.Second, 100, 0},
	}
	var m stressMeter
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := m.sample(t0.Add(tc.at), tc.packets); got != tc.want {
				t.Fatalf("rate = %v, want %v", got, tc.want)
			}
		})
	}
}

// TestPresenceStats: the brewery presence carries the configured region,
// version and relay id and a stress level computed from the packet rate.
func TestPresenceStats(t *testing.T) {
	b, err := New(Config{ID: "jvb-east", UDPListen: "127.0.0.1:0", BreweryRoom: "brewery@internal.auth.localhost",
		Region: "east", CapacityPPS: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	stat := func(name string) string {
		p := b.presence(false)
		for _, s := range p.Child(ns.Colibri, "stats").ChildrenNamed(ns.Colibri, "stat") {
			if s.Attr("name") == name {
				return s.Attr("value")
			}
		}
		return ""
	}
	if got := stat("stress_level"); got != "0.0000" {
		t.Errorf("idle stress %q", got)
	}
	b.stress.at = time.Now().Add(-2 * time.Second) // the previous sample, 2 s ago
	b.counters.packetsIn.Add(600)
	b.counters.forwarded.Add(1000)
	b.stress.packets = 0
	p := b.presence(true)
	got := map[string]string{}
	for _, s := range p.Child(ns.Colibri, "stats").ChildrenNamed(ns.Colibri, "stat") {
		got[s.Attr("name")] = s.Attr("value")
	}
	// 1600 packets in about 2 s against a capacity of 1000/s: stress about 0.8.
	if s, err := strconv.ParseFloat(got["stress_level"], 64); err != nil || s < 0.7 || s > 0.81 {
		t.Errorf("stress_level %q, want about 0.8", got["stress_level"])
	}
	for k, want := range map[string]string{"region": "east", "version": "meetd", "relay_id": "jvb-east"} {
		if got[k] != want {
			t.Errorf("%s = %q, want %q", k, got[k], want)
		}
	}
	if p.Child(ns.MUC, "x") == nil || p.Attr("to") != "brewery@internal.auth.localhost/jvb-east" {
		t.Errorf("join presence %s", p)
	}
	if l := b.Load(); l.Stress < 0.7 || l.Stress > 0.81 {
		t.Errorf("Load %+v", l)
	}
}
