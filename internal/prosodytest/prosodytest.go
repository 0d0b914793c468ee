// Package prosodytest runs Debian's prosody on loopback ports for tests:
// meetd's network client, component and `meetd bridge` must work with the
// standard Jitsi XMPP server, not only with meetd's.
package prosodytest

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/web"
)

// The server's fixed names.
const (
	// Domain is the VirtualHost the accounts live on.
	Domain = "localhost"
	// MUCDomain is the MUC component (rooms open at once, as a brewery needs).
	MUCDomain = "conference.localhost"
	// ComponentDomain and ComponentSecret are the XEP-0114 component.
	ComponentDomain = "jvb.localhost"
	ComponentSecret = "c0mp-secret"
)

// startLimit bounds how long prosody may take to listen (loaded machines).
const startLimit = 20 * time.Second

const config = `run_as_root = true
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

// Server is a running prosody.
type Server struct {
	// Addr and ComponentAddr are the c2s and component ports (127.0.0.1:port).
	Addr, ComponentAddr string
	// HTTPSAddr is the {hport} of a StartConfig configuration.
	HTTPSAddr string
	// CertFile is its self-signed certificate (for localhost), Roots a pool
	// trusting it.
	CertFile string
	Roots    *x509.CertPool

	tb       testing.TB
	bin, cfg string
	dir      string
	cmd      *exec.Cmd
}

// Start writes a config for free loopback ports in a temporary directory,
// registers the accounts (user → password, on Domain) with prosodyctl and
// runs prosody until the test ends. Without prosody the test is skipped
// (failed when CI=true: scripts/test.sh installs it).
func Start(tb testing.TB, accounts map[string]string) *Server {
	tb.Helper()
	full := make(map[string]string, len(accounts))
	for user, password := range accounts {
		full[user+"@"+Domain] = password
	}
	return StartConfig(tb, config, full)
}

// StartConfig is Start with another configuration text — the same
// placeholders ({dir}, {cert}, {key}, {port}, {cport}) plus {hport}, a free
// port for HTTPS (HTTPSAddr) — and accounts as user@host → password.
func StartConfig(tb testing.TB, text string, accounts map[string]string) *Server {
	tb.Helper()
	bin, err := exec.LookPath("prosody")
	if err != nil {
		if os.Getenv("CI") == "true" {
			tb.Fatal("prosody is not installed (scripts/test.sh installs it)")
		}
		tb.Skip("prosody is not installed")
	}
	dir := tb.TempDir()
	s := &Server{tb: tb, bin: bin, dir: dir, CertFile: filepath.Join(dir, web.SelfSignedCertFile)}
	s.Roots = selfSigned(tb, dir)
	port, cport, hport := freePort(tb), freePort(tb), freePort(tb)
	s.Addr, s.ComponentAddr = fmt.Sprintf("127.0.0.1:%d", port), fmt.Sprintf("127.0.0.1:%d", cport)
	s.HTTPSAddr = fmt.Sprintf("127.0.0.1:%d", hport)
	text = strings.NewReplacer("{dir}", dir, "{cert}", web.SelfSignedCertFile, "{key}", web.SelfSignedKeyFile,
		"{port}", fmt.Sprint(port), "{cport}", fmt.Sprint(cport), "{hport}", fmt.Sprint(hport)).Replace(text)
	s.cfg = filepath.Join(dir, "prosody.cfg.lua")
	if err := os.WriteFile(s.cfg, []byte(text), 0o600); err != nil {
		tb.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for account, password := range accounts {
		user, host, _ := strings.Cut(account, "@")
		reg := exec.CommandContext(ctx, "prosodyctl", "--config", s.cfg, "register", user, host, password)
		if out, err := reg.CombinedOutput(); err != nil {
			tb.Fatalf("prosodyctl register %s: %v\n%s", account, err, out)
		}
	}
	s.start()
	tb.Cleanup(s.Stop)
	return s
}

// Restart kills prosody (SIGKILL) and starts it again on the same ports.
func (s *Server) Restart() {
	s.tb.Helper()
	s.Stop()
	s.start()
}

func (s *Server) start() {
	s.tb.Helper()
	s.cmd = exec.Command(s.bin, "--config", s.cfg)
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("start prosody: %v", err)
	}
	deadline := time.Now().Add(startLimit)
	for time.Now().Before(deadline) {
		if c, err := net.DialTimeout("tcp", s.Addr, time.Second); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(50 * time.Millisecond)
	}
	s.tb.Fatalf("prosody did not listen on %s:\n%s", s.Addr, s.Log())
}

// Stop kills prosody (it keeps nothing worth a clean shutdown).
func (s *Server) Stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

// Log returns prosody's log.
func (s *Server) Log() string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "prosody.log"))
	return string(b)
}

// selfSigned writes meetd's self-signed certificate for localhost into dir
// (cert.pem / key.pem names of web) and returns a pool trusting it.
func selfSigned(tb testing.TB, dir string) *x509.CertPool {
	tb.Helper()
	cert, err := web.SelfSigned(dir, []string{"localhost"}, time.Now(), slog.New(slog.DiscardHandler))
	if err != nil {
		tb.Fatal(err)
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		tb.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AddCert(leaf)
	return pool
}

func freePort(tb testing.TB) int {
	tb.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
