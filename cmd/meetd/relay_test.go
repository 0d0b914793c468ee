package main

import (
	"log/slog"
	"net"
	"strings"
	"testing"

	"meetd/bridge"
	"meetd/conf"
	"meetd/relay"
	"meetd/web"
)

// TestCheckPaths: `meetd check` names each media path with its port and
// says whether that port can be bound now.
func TestCheckPaths(t *testing.T) {
	held, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer held.Close()
	tests := []struct {
		name string
		edit func(*conf.Config)
		want []string
	}{
		{"defaults with free ports", func(c *conf.Config) { c.Media.Listen, c.TURN.Listen = "127.0.0.1:0", "127.0.0.1:0" },
			[]string{"udp 127.0.0.1:0 advertised 127.0.0.1: free", "ice-tcp off", "turn over tls on the https port :8443: on", "turn udp+tcp 127.0.0.1:0: udp free, tcp free"}},
		{"media port taken", func(c *conf.Config) { c.Media.Listen = held.LocalAddr().String(); c.TURN.Listen = "" },
			[]string{"cannot bind now", "turn udp+tcp off"}},
		{"ice-tcp and turn off", func(c *conf.Config) {
			c.Media.Listen, c.Media.TCPListen, c.TURN.Enabled = "127.0.0.1:0", "127.0.0.1:0", false
		}, []string{"ice-tcp 127.0.0.1:0 advertised 127.0.0.1: free", "turn off"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := conf.Default()
			tt.edit(c)
			got := strings.Join(checkPaths(c), "\n")
			for _, w := range tt.want {
				if !strings.Contains(got, w) {
					t.Errorf("missing %q in\n%s", w, got)
				}
			}
		})
	}
}

// TestMediaPathMetrics: the relay's refusals and live allocations and the
// bridge's refused candidates are exported next to the other metrics.
func TestMediaPathMetrics(t *testing.T) {
	br, err := bridge.New(bridge.Config{ID: "jvb1", UDPListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	cfg := conf.Default()
	cfg.TURN.Listen = "127.0.0.1:0"
	rs, err := newRelay(cfg, br, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	defer rs.Close()
	base := func() []web.Metric { return []web.Metric{{Name: "meetd_rooms", Type: "gauge"}} }
	got := map[string]int{}
	for _, m := range withMediaPathStats(base, rs, br)() {
		got[m.Name]++
	}
	want := map[string]int{"meetd_rooms": 1, "meetd_bridge_refused_candidates_total": 1, "meetd_turn_allocations": 1, "meetd_turn_refused_total": 4}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s: %d series, want %d (all: %v)", name, got[name], n, got)
		}
	}
	if n := len(withMediaPathStats(base, nil, br)()); n != 2 {
		t.Errorf("without the relay: %d metrics, want 2", n)
	}
}

// TestRelayNeedsBuiltinBridge: with [bridges] builtin = false there is no
// bridge in the process whose addresses the relay could be limited to, so
// TURN stays off instead of failing (or relaying anywhere).
func TestRelayNeedsBuiltinBridge(t *testing.T) {
	cfg := conf.Default()
	cfg.TURN.Listen = "127.0.0.1:0"
	rs, err := newRelay(cfg, nil, slog.New(slog.DiscardHandler))
	if err != nil || rs != nil {
		t.Fatalf("newRelay without a bridge: %v, %v; want no relay and no error", rs, err)
	}
}

// TestRelayUplinkWired: the relay hands datagrams for the built-in bridge
// to its receive path (relay/uplink.go), not to the kernel.
func TestRelayUplinkWired(t *testing.T) {
	br, err := bridge.New(bridge.Config{ID: "jvb1", UDPListen: "127.0.0.1:0"})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	rc, err := relayConfig(conf.Default(), br, slog.New(slog.DiscardHandler))
	if err != nil {
		t.Fatal(err)
	}
	if rc.Uplink != relay.Uplink(br) {
		t.Errorf("relay uplink %v, want the bridge", rc.Uplink)
	}
}
