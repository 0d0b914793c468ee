package client

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/web"
)

// TestProsodyServer runs the same scenarios against Debian's prosody: the
// client must work with the standard Jitsi XMPP server, not only meetd's.
func TestProsodyServer(t *testing.T) {
	runScenarios(t, startProsody(t))
}

const prosodyConfig = `run_as_root = true
prosody_user = "root"
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
certificates = "{dir}"
interfaces = { "127.0.0.1" }
c2s_ports = { {port} }
c2s_direct_tls_ports = { }
component_ports = { {cport} }
component_interface = "127.0.0.1"
s2s_ports = { }
http_ports = { }
https_ports = { }
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }
modules_disabled = { "s2s" }
authentication = "internal_hashed"
c2s_require_encryption = true
log = { info = "{dir}/prosody.log" }
ssl = { certificate = "{dir}/{cert}"; key = "{dir}/{key}" }
VirtualHost "localhost"
Component "conference.localhost" "muc"
	muc_room_locking = false -- rooms open at once, as the brewery needs
Component "jvb.localhost"
	component_secret = "c0mp-secret"
`

// startProsody writes a config for loopback ports in a temporary
// directory, registers an account with prosodyctl and runs prosody; kill
// restarts it (SIGKILL, then a fresh start on the same port).
func startProsody(t *testing.T) target {
	t.Helper()
	bin, err := exec.LookPath("prosody")
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatal("prosody is not installed (scripts/test.sh installs it)")
		}
		t.Skip("prosody is not installed")
	}
	dir := t.TempDir()
	_, roots := selfSigned(t, dir)
	port, cport := freePort(t), freePort(t)
	cfgText := strings.NewReplacer("{dir}", dir, "{cert}", web.SelfSignedCertFile, "{key}", web.SelfSignedKeyFile, "{port}", fmt.Sprint(port), "{cport}", fmt.Sprint(cport)).Replace(prosodyConfig)
	cfgPath := filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(cfgPath, []byte(cfgText), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx := ctxTimeout(t)
	reg := exec.CommandContext(ctx, "prosodyctl", "--config", cfgPath, "register", "jvb", "localhost", "s3cret")
	if out, err := reg.CombinedOutput(); err != nil {
		t.Fatalf("prosodyctl register: %v\n%s", err, out)
	}
	p := &prosodyProc{t: t, bin: bin, cfg: cfgPath, addr: fmt.Sprintf("127.0.0.1:%d", port), dir: dir}
	p.start()
	t.Cleanup(p.stop)
	return target{
		addr: p.addr, roots: roots, jid: "jvb@localhost", password: "s3cret",
		room: "brewery@conference.localhost", serverName: "localhost",
		mechanism: "SCRAM-SHA-1", // what Prosody 0.12's internal_hashed offers
		compAddr:  fmt.Sprintf("127.0.0.1:%d", cport), compDomain: "jvb.localhost", compSecret: "c0mp-secret",
		kill: func(*testing.T) { p.stop(); p.start() },
	}
}

type prosodyProc struct {
	t    *testing.T
	bin  string
	cfg  string
	addr string
	dir  string
	cmd  *exec.Cmd
}

func (p *prosodyProc) start() {
	p.t.Helper()
	p.cmd = exec.Command(p.bin, "--config", p.cfg)
	if err := p.cmd.Start(); err != nil {
		p.t.Fatalf("start prosody: %v", err)
	}
	deadline := time.Now().Add(waitTimeout)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", p.addr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	log, _ := os.ReadFile(filepath.Join(p.dir, "prosody.log"))
	p.t.Fatalf("prosody did not listen on %s:\n%s", p.addr, log)
}

func (p *prosodyProc) stop() {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Kill()
	_ = p.cmd.Wait()
	p.cmd = nil
}

func freePort(t *testing.T) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
