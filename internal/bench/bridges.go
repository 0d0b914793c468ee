package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"meetd/internal/load"
	"meetd/internal/meetdtest"
)

// Accounts and brewery of the bridges the two-bridge system starts
// (docs/scale-out.md#running-a-bridge-on-another-host).
const (
	bridgeJID      = "jvb@auth.localhost"
	bridgePassword = "benchmark bridge password"
	bridgeBrewery  = "jvbbrewery@internal.auth.localhost"
)

// BridgesSystem is meetd with its built-in bridge off (XMPP and focus
// only) plus one `meetd bridge` process per entry of CPUs, each pinned to
// that core with GOMAXPROCS=1 and announcing region "rN" (N its index).
// Only the bridges' CPU is measured (Server.Media).
type BridgesSystem struct {
	Bin   string
	Label string   // Name(), e.g. "1-bridge"
	CPUs  []string // one core per bridge, e.g. {"1"} or {"1", "0"}
	Focus string   // meetd's (XMPP + focus) cores, e.g. "0"
	Nice  int
	// RelayCA gives bridge i the self-signed certificate of bridge i+1 as
	// its relay_ca_file: the bridge of a conference's first participant
	// (region r0 with Bridges(k, true)) opens the relay channel to the
	// other. Needs a meetd with Colibri2 relays (an unknown key before).
	RelayCA bool
}

// Name implements System.
func (b *BridgesSystem) Name() string { return b.Label }

// Regions are the regions of the system's bridges, in order.
func (b *BridgesSystem) Regions() []string {
	r := make([]string, len(b.CPUs))
	for i := range r {
		r[i] = fmt.Sprintf("r%d", i)
	}
	return r
}

// Start implements System: meetd, then the bridges, each ready once its
// /readyz says it is in the brewery.
func (b *BridgesSystem) Start(ctx context.Context, _ Scenario) (*Server, error) {
	dir, err := os.MkdirTemp("", "meetd-bench-bridges-")
	if err != nil {
		return nil, err
	}
	srv, err := b.start(ctx, dir)
	if err != nil {
		if srv != nil {
			srv.Stop()
		}
		_ = os.RemoveAll(dir)
		return nil, err
	}
	go func() {
		<-srv.Proc.Exited()
		_ = os.RemoveAll(dir)
	}()
	return srv, nil
}

func (b *BridgesSystem) start(ctx context.Context, dir string) (*Server, error) {
	account, err := accountEntry(b.Bin, bridgeJID, bridgePassword)
	if err != nil {
		return nil, err
	}
	c2s, err := meetdtest.FreePort("tcp", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	md := &Meetd{Bin: b.Bin, Dir: filepath.Join(dir, "meetd"), CPUs: b.Focus, Nice: b.Nice, C2S: c2s, Extra: []string{
		"[bridges]", "builtin = false", "[turn]", "enabled = false", "[recording]", `enabled = "off"`, account}}
	srv, err := md.Start(ctx)
	if err != nil {
		return nil, err
	}
	pw := filepath.Join(dir, "password")
	if err := os.WriteFile(pw, []byte(bridgePassword+"\n"), 0o600); err != nil {
		return srv, err
	}
	// The last first, so that bridge i can trust bridge i+1's certificate.
	srv.Media = make([]*meetdtest.Process, len(b.CPUs))
	for i := len(b.CPUs) - 1; i >= 0; i-- {
		p, err := b.startBridge(ctx, dir, i, b.CPUs[i], c2s, pw)
		srv.Media[i] = p
		if err != nil {
			srv.Media = slices.DeleteFunc(srv.Media, func(p *meetdtest.Process) bool { return p == nil })
			return srv, err
		}
	}
	return srv, nil
}

// startBridge runs bridge i on cpu and waits for its /readyz.
func (b *BridgesSystem) startBridge(ctx context.Context, dir string, i int, cpu string, c2s int, pw string) (*meetdtest.Process, error) {
	bdir := filepath.Join(dir, fmt.Sprintf("bridge%d", i))
	if err := os.MkdirAll(bdir, 0o700); err != nil {
		return nil, err
	}
	httpPort, err1 := meetdtest.FreePort("tcp", "127.0.0.1")
	mediaPort, err2 := meetdtest.FreePort("udp", "127.0.0.1")
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("bench: free port: %v %v", err1, err2)
	}
	var relayCA []string
	if b.RelayCA && i+1 < len(b.CPUs) {
		relayCA = []string{fmt.Sprintf("relay_ca_file = %q", filepath.Join(dir, fmt.Sprintf("bridge%d", i+1), "state", "selfsigned-cert.pem"))}
	}
	cfg := strings.Join(append([]string{
		fmt.Sprintf(`id = "jvb-bench-%d"`, i), fmt.Sprintf("region = %q", b.Regions()[i]),
		fmt.Sprintf("state_dir = %q", filepath.Join(bdir, "state")), "capacity_pps = 1000000",
		"[xmpp]", fmt.Sprintf(`server = "127.0.0.1:%d"`, c2s), fmt.Sprintf("jid = %q", bridgeJID),
		fmt.Sprintf("password_file = %q", pw), `server_name = "localhost"`,
		fmt.Sprintf("ca_file = %q", filepath.Join(dir, "meetd", "state", "selfsigned-cert.pem")),
		fmt.Sprintf("brewery = %q", bridgeBrewery),
		"[media]", fmt.Sprintf(`listen = "127.0.0.1:%d"`, mediaPort), `advertise = ["127.0.0.1"]`,
		"forward_silence = true", // as the single-system runs (process.go)
		"[http]", fmt.Sprintf(`listen = "127.0.0.1:%d"`, httpPort)}, append(relayCA,
		"[log]", `level = "warn"`)...), "\n") + "\n"
	path := filepath.Join(bdir, "bridge.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	o := ProcOpts{CPUs: cpu, Nice: b.Nice, Env: []string{"GOMAXPROCS=1"}}
	p, err := StartProcess(o, b.Bin, "bridge", "-config", path)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	if err := waitReady(ctx, p, fmt.Sprintf("https://127.0.0.1:%d/readyz", httpPort)); err != nil {
		return p, fmt.Errorf("%w: bridge %d: %w\n%s", ErrNotReady, i, err, p.Tail(40))
	}
	return p, nil
}

// waitReady polls url until it answers 200 (the bridge is in the brewery).
func waitReady(ctx context.Context, p *meetdtest.Process, url string) error {
	for {
		if err := p.WaitHTTP(ctx, url); err != nil {
			return err
		}
		if httpStatus(ctx, url) == http.StatusOK {
			return nil
		}
		if err := sleep(ctx, 200*time.Millisecond); err != nil {
			return err
		}
	}
}

// accountEntry runs `meetd passwd` for jid and returns its [[auth.account]] entry.
func accountEntry(bin, jid, password string) (string, error) {
	cmd := exec.Command(bin, "passwd", jid)
	cmd.Stdin = strings.NewReader(password + "\n")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("bench: meetd passwd: %w", err)
	}
	return strings.TrimSpace(string(out)), nil
}

// Adapt implements System: the endpoints announce the bridges' regions,
// one region per room (each room on one bridge).
func (b *BridgesSystem) Adapt(cfg *load.Config, srv *Server) {
	cfg.URL = srv.URL
	cfg.Signal = load.SignalJitsi
	cfg.Regions = b.Regions()
}

// httpStatus is the status of a GET of url (0 on error); the bridge's
// self-signed certificate is accepted.
func httpStatus(ctx context.Context, url string) int {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the self-signed bridge under test
	}}
	defer client.CloseIdleConnections()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0
	}
	_ = resp.Body.Close()
	return resp.StatusCode
}
