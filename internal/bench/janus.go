package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"meetd/internal/load"
	"meetd/internal/meetdtest"
)

// Janus runs Debian's janus package (VideoRoom plugin, HTTP transport) as
// the peer SFU. It must run in the benchmark's network namespace: libnice
// ignores loopback, so Janus uses the veth address janusIP, and the load
// tool's candidates are restricted to janusNet.
type Janus struct {
	bin, libdir string
	cpus        string
	nice        int
}

// Addresses of the benchmark namespace (internal/bench/run.sh creates it).
const (
	janusIP  = "10.77.0.1"
	janusNet = "10.77.0.0/24"
	janusIf  = "v0"
)

// NewJanus checks that Janus can run here.
func NewJanus(cpus string, nice int) (*Janus, error) {
	bin, err := exec.LookPath("janus")
	if err != nil {
		return nil, fmt.Errorf("janus not installed (apt-get install janus): %w", err)
	}
	lib := "/usr/lib/x86_64-linux-gnu/janus"
	if _, err := os.Stat(filepath.Join(lib, "plugins", "libjanus_videoroom.so")); err != nil {
		return nil, fmt.Errorf("janus videoroom plugin: %w", err)
	}
	if !hasAddr(janusIP) {
		return nil, errors.New("no " + janusIP + " here: run the benchmark with internal/bench/run.sh (make bench), which creates the network namespace")
	}
	return &Janus{bin: bin, libdir: lib, cpus: cpus, nice: nice}, nil
}

func hasAddr(ip string) bool {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.String() == ip {
			return true
		}
	}
	return false
}

// Name implements System.
func (j *Janus) Name() string { return "janus" }

// Start implements System: a fresh Janus with a generated configuration.
func (j *Janus) Start(ctx context.Context, sc Scenario) (*Server, error) {
	dir, err := os.MkdirTemp("", "janus-bench-")
	if err != nil {
		return nil, err
	}
	port, err := meetdtest.FreePort("tcp", "127.0.0.1")
	if err != nil {
		return nil, err
	}
	if err := j.writeConfig(dir, port); err != nil {
		return nil, err
	}
	cpus := j.cpus
	p, err := StartProcess(ProcOpts{CPUs: cpus, Nice: j.nice}, j.bin, "-F", dir, "-C", filepath.Join(dir, "janus.jcfg"))
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("http://127.0.0.1:%d/janus", port)
	wctx, cancel := context.WithTimeout(ctx, readyLimit)
	defer cancel()
	if err := p.WaitHTTP(wctx, url+"/info"); err != nil {
		_ = p.Stop()
		return nil, fmt.Errorf("%w: janus: %w\n%s", ErrNotReady, err, p.Tail(40))
	}
	go func() {
		<-p.Exited()
		_ = os.RemoveAll(dir)
	}()
	return &Server{URL: url, Proc: p}, nil
}

// Adapt implements System.
func (j *Janus) Adapt(cfg *load.Config, srv *Server) {
	cfg.URL, cfg.Signal, cfg.ICENet = srv.URL, load.SignalJanus, janusNet
}

func (j *Janus) writeConfig(dir string, port int) error {
	plugins := []string{"audiobridge", "duktape", "echotest", "lua", "nosip", "recordplay", "sip", "streaming",
		"textroom", "videocall", "voicemail"}
	for i, p := range plugins {
		plugins[i] = "libjanus_" + p + ".so"
	}
	transports := "libjanus_mqtt.so,libjanus_nanomsg.so,libjanus_pfunix.so,libjanus_rabbitmq.so,libjanus_websockets.so"
	files := map[string]string{
		"janus.jcfg": fmt.Sprintf(`general: {
	configs_folder = "%[1]s"
	plugins_folder = "%[2]s/plugins"
	transports_folder = "%[2]s/transports"
	events_folder = "%[2]s/events"
	loggers_folder = "%[2]s/loggers"
	debug_level = 3
	session_timeout = 120
}
media: { rtp_port_range = "20000-40000" }
nat: { ice_enforce_list = "%[3]s" nice_debug = false }
plugins: { disable = "%[4]s" }
transports: { disable = "%[5]s" }
loggers: { disable = "libjanus_jsonlog.so" }
events: { broadcast = false }
`, dir, j.libdir, janusIf, strings.Join(plugins, ","), transports),
		"janus.transport.http.jcfg": fmt.Sprintf(`general: { base_path = "/janus" http = true port = %d ip = "127.0.0.1" https = false }
admin: { admin_http = false }
`, port),
		"janus.plugin.videoroom.jcfg": fmt.Sprintf(`general: { }
room-%d: {
	description = "bench"
	publishers = 200
	bitrate = 0
	fir_freq = 0
	audiocodec = "opus"
	videocodec = "vp8"
	transport_wide_cc_ext = true
}
`, load.JanusRoom),
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o600); err != nil {
			return err
		}
	}
	return nil
}
