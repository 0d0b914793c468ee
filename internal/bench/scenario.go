package bench

import (
	"fmt"
	"time"

	"meetd/internal/load"
)

// Scenario is one load shape of docs/performance.md#scenarios.
type Scenario struct {
	ID     string  // e.g. "S2"
	Name   string  // e.g. "tile view, 20 on camera"
	Group  string  // scenarios of one group form one curve in the plot
	Fanout float64 // receivers of each forwarded input packet (for the baseline)
	Load   load.Config
	// Warmup and Window override the run's defaults when set.
	Warmup, Window time.Duration
	// Pinned runs the server on one core with GOMAXPROCS=1 (ceiling runs).
	Pinned bool
	// MeetdOnly: the other SFUs are not applicable (their load-tool
	// adapters cannot send this load); the minimal forwarder still runs.
	MeetdOnly bool
}

// simulcast are the default layer bitrates (180p/360p/720p).
var simulcastRates = [3]int{150_000, 500_000, 2_500_000}

// jvb2014Rates give ~515 kbit/s A+V without simulcast (two packets a frame).
var jvb2014Rates = [3]int{465_000}

// S1 is the JVB 2014 replica: k endpoints, everyone receives everyone.
func S1(k int) Scenario {
	return Scenario{ID: fmt.Sprintf("S1-%d", k), Name: fmt.Sprintf("JVB-2014 replica, %d endpoints A+V 515 kbit/s, no simulcast", k),
		Group: "S1", Fanout: float64(k - 1),
		Load: load.Config{Endpoints: k, Senders: k, Probes: max(1, k/10), LayerBitrates: jvb2014Rates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 20 * time.Millisecond}}
}

// S2 is Jitsi's tile view: 20 simulcast publishers, receivers get 19 × 180p.
func S2() Scenario {
	return Scenario{ID: "S2", Name: "tile view, 20 endpoints, VP8 simulcast, 19 × 180p + audio each", Group: "S2", Fanout: 19,
		Load: load.Config{Endpoints: 20, Senders: 20, Probes: 2, Simulcast: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 20 * time.Millisecond}}
}

// S2VP9 is S2 with VP9 K-SVC publishers: one SSRC, three spatial layers at
// the simulcast rates; the bridge drops spatial layers 1 and 2 for the
// 180p receivers. The endpoints announce vp9 so the focus offers it
// (docs/performance.md#scenarios).
func S2VP9() Scenario {
	return Scenario{ID: "S2-VP9", Name: "tile view, 20 endpoints, VP9 K-SVC (3 spatial layers), 19 × layer 0 + audio each",
		Group: "SVC", Fanout: 19, MeetdOnly: true,
		Load: load.Config{Endpoints: 20, Senders: 20, Probes: 2, SVC: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 20 * time.Millisecond}}
}

// S2AV1 is S2-VP9 with AV1 publishers: one SSRC, three spatial layers
// described by the dependency descriptor, which the bridge reads to drop
// layers 1 and 2; the endpoints announce av1 (docs/performance.md#scenarios).
func S2AV1() Scenario {
	return Scenario{ID: "S2-AV1", Name: "tile view, 20 endpoints, AV1 SVC (3 spatial layers), 19 × layer 0 + audio each",
		Group: "SVC", Fanout: 19, MeetdOnly: true,
		Load: load.Config{Endpoints: 20, Senders: 20, Probes: 2, SVC: true, AV1: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 20 * time.Millisecond}}
}

// S3 is a webinar: 2 simulcast publishers, n receive-only subscribers.
func S3(n int) Scenario {
	return Scenario{ID: fmt.Sprintf("S3-%d", n), Name: fmt.Sprintf("webinar, 2 simulcast publishers, %d subscribers", n),
		Group: "S3", Fanout: float64(n + 1),
		Load: load.Config{Endpoints: n + 2, Senders: 2, Probes: 5, Simulcast: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 10 * time.Millisecond}}
}

// S6 is a join storm: 100 endpoints within 10 s (4 publishers).
func S6() Scenario {
	return Scenario{ID: "S6", Name: "join storm, 100 endpoints in 10 s, 4 simulcast publishers", Group: "S6", Fanout: 99,
		Load: load.Config{Endpoints: 100, Senders: 4, Probes: 5, Simulcast: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 100 * time.Millisecond}}
}

// Ceiling is one step of the one-core ramp: rooms of 10 publishers, one
// 150 kbit/s layer each (one packet a frame).
func Ceiling(rooms int) Scenario {
	return Scenario{ID: fmt.Sprintf("C-%d", rooms), Name: fmt.Sprintf("one core, %d rooms of 10", rooms), Group: "ceiling",
		Fanout: 9, Pinned: true,
		Load: load.Config{Endpoints: 10 * rooms, Senders: 10 * rooms, Rooms: rooms, Probes: rooms,
			LayerBitrates: [3]int{150_000}, KeyframeInterval: 3 * time.Second, JoinInterval: 10 * time.Millisecond}}
}

// Memory is 2 publishers and n receive-only endpoints, for RSS per endpoint.
func Memory(n int) Scenario {
	return Scenario{ID: fmt.Sprintf("M-%d", n), Name: fmt.Sprintf("memory, 2 publishers + %d receivers", n), Group: "memory",
		Fanout: float64(n + 1),
		Load: load.Config{Endpoints: n + 2, Senders: 2, Probes: 1, Simulcast: true, LayerBitrates: simulcastRates,
			KeyframeInterval: 3 * time.Second, JoinInterval: 10 * time.Millisecond}}
}

// Bridges is rooms rooms of 10 publishers of one 150 kbit/s layer (the
// ceiling's rooms) for the external-bridge systems, each room on one
// bridge (by region).
func Bridges(rooms int) Scenario {
	return Scenario{ID: fmt.Sprintf("B-%d", rooms), Name: fmt.Sprintf("%d rooms of 10, each on one bridge", rooms), Group: "bridges",
		Fanout: 9,
		Load: load.Config{Endpoints: 10 * rooms, Senders: 10 * rooms, Rooms: rooms, Probes: rooms,
			LayerBitrates: [3]int{150_000}, KeyframeInterval: 3 * time.Second, JoinInterval: 10 * time.Millisecond}}
}

// RelayRoom is one room of n such publishers (everyone receives everyone);
// with span its endpoints alternate between the bridges' regions, so the
// focus splits it over two bridges joined by a Colibri2 relay.
func RelayRoom(n int, span bool) Scenario {
	id, name := fmt.Sprintf("N-%d", n), fmt.Sprintf("one room of %d on one bridge", n)
	if span {
		id, name = fmt.Sprintf("R-%d", n), fmt.Sprintf("one room of %d spanning two bridges (relayed)", n)
	}
	return Scenario{ID: id, Name: name, Group: "bridges", Fanout: float64(n - 1),
		Load: load.Config{Endpoints: n, Senders: n, Probes: max(1, n/10), LayerBitrates: [3]int{150_000},
			KeyframeInterval: 3 * time.Second, JoinInterval: 10 * time.Millisecond, SplitRegions: span}}
}
