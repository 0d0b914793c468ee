package bench

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"meetd/internal/load"
	"meetd/internal/meetdtest"
)

// GaleneEnv names the environment variable with the path of a Galène
// binary, the default of meetd-bench's -galene flag. Galène is built from
// its public repository outside this module (docs/performance.md#galène);
// nothing of it is part of meetd.
const GaleneEnv = "MEETD_BENCH_GALENE"

// galenePort is Galène's one UDP port (its UDP mux); within the benchmark's
// network namespace only.
const galenePort = "17000"

// Galene runs a Galène binary as a peer SFU: plain HTTP and WebSocket on
// loopback, its TURN server off, all media on one UDP port, and a group
// file with automatic subgroups so every benchmark room is a subgroup.
// Like Janus it must run in the benchmark's network namespace: pion leaves
// loopback out of its candidates, so media uses the veth addresses.
type Galene struct {
	bin  string
	cpus string
	nice int
}

// NewGalene checks that the binary exists and the namespace is there.
func NewGalene(bin, cpus string, nice int) (*Galene, error) {
	if bin == "" {
		return nil, errors.New("no galene binary given (-galene or " + GaleneEnv + ")")
	}
	if st, err := os.Stat(bin); err != nil || st.IsDir() {
		return nil, fmt.Errorf("galene binary %s: not a file", bin)
	}
	if !hasAddr(janusIP) {
		return nil, errors.New("no " + janusIP + " here: run the benchmark with internal/bench/run.sh (make bench), which creates the network namespace")
	}
	return &Galene{bin: bin, cpus: cpus, nice: nice}, nil
}

// Name implements System.
func (g *Galene) Name() string { return "galene" }

// Start implements System: a fresh Galène in a scratch directory.
func (g *Galene) Start(ctx context.Context, sc Scenario) (*Server, error) {
	dir, err := os.MkdirTemp("", "galene-bench-")
	if err != nil {
		return nil, err
	}
	if err := writeGaleneDirs(dir); err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	port, err := meetdtest.FreePort("tcp", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	o := ProcOpts{CPUs: g.cpus, Nice: g.nice}
	if sc.Pinned {
		o.Env = append(o.Env, "GOMAXPROCS=1")
	}
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p, err := StartProcess(o, g.bin, "-insecure", "-http", addr, "-turn", "", "-udp-range", galenePort,
		"-data", filepath.Join(dir, "data"), "-groups", filepath.Join(dir, "groups"),
		"-static", filepath.Join(dir, "static"), "-recordings", filepath.Join(dir, "recordings"))
	if err != nil {
		_ = os.RemoveAll(dir)
		return nil, err
	}
	wctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	if err := p.WaitHTTP(wctx, "http://"+addr+"/group/"+load.GaleneGroup+"/.status"); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("%w: galene: %w\n%s", ErrNotReady, err, p.Tail(40))
	}
	go func() {
		<-p.Exited()
		_ = os.RemoveAll(dir)
	}()
	return &Server{URL: "ws://" + addr + "/ws", Proc: p}, nil
}

// Adapt implements System.
func (g *Galene) Adapt(cfg *load.Config, srv *Server) {
	cfg.URL, cfg.Signal, cfg.ICENet = srv.URL, load.SignalGalene, janusNet
}

// writeGaleneDirs lays out Galène's data, groups and static directories
// with the benchmark group: anyone may join with the password and publish.
func writeGaleneDirs(dir string) error {
	for _, d := range []string{"data", "groups", "static", "recordings"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o700); err != nil {
			return err
		}
	}
	group := fmt.Sprintf(`{"auto-subgroups": true, "max-clients": 1000,
  "wildcard-user": {"password": %q, "permissions": "present"}}
`, load.GalenePassword)
	return os.WriteFile(filepath.Join(dir, "groups", load.GaleneGroup+".json"), []byte(group), 0o600)
}
