package web

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// pebbleVersion is the ACME test server scripts/test.sh installs into bin/.
const pebbleVersion = "github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3"

// pebbleBinary returns bin/pebble (scripts/test.sh), $PEBBLE, or installs it
// into a temporary directory; it skips (fails on CI) when none works.
func pebbleBinary(t *testing.T) string {
	t.Helper()
	for _, p := range []string{os.Getenv("PEBBLE"), "../bin/pebble"} {
		if p != "" {
			if _, err := os.Stat(p); err == nil {
				abs, _ := filepath.Abs(p)
				return abs
			}
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "install", pebbleVersion)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("go install %s: %v\n%s", pebbleVersion, err, out)
		}
		t.Skipf("no pebble (go install %s: %v)", pebbleVersion, err)
	}
	return filepath.Join(dir, "pebble")
}

// pebble is a running ACME test server.
type pebble struct {
	dir    string // its directory URL
	mgmt   string // management API base URL
	client *http.Client
	cmd    *exec.Cmd
	done   chan struct{}
	out    *syncBuffer
}

type pebblePorts struct{ listen, mgmt, http01, tlsALPN int }

func freeTCPPort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// startPebble runs pebble with certificates valid for validity seconds; the
// validation authority checks localhost:ports.http01 and :ports.tlsALPN.
func startPebble(t *testing.T, bin string, ports pebblePorts, validity int) *pebble {
	t.Helper()
	dir := t.TempDir()
	tlsCert, err := SelfSigned(dir, []string{"localhost"}, time.Now(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress":           fmt.Sprintf("127.0.0.1:%d", ports.listen),
		"managementListenAddress": fmt.Sprintf("127.0.0.1:%d", ports.mgmt),
		"certificate":             filepath.Join(dir, SelfSignedCertFile),
		"privateKey":              filepath.Join(dir, SelfSignedKeyFile),
		"httpPort":                ports.http01, "tlsPort": ports.tlsALPN,
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
		"retryAfter": map[string]int{"authz": 1, "order": 1}, "keyAlgorithm": "ecdsa",
		"profiles": map[string]any{"default": map[string]any{"description": "test", "validityPeriod": validity}},
	}}
	b, _ := json.Marshal(conf)
	cfgPath := filepath.Join(dir, "pebble.json")
	if err := os.WriteFile(cfgPath, b, 0o600); err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	roots.AddCert(tlsCert.Leaf)
	p := &pebble{dir: fmt.Sprintf("https://127.0.0.1:%d/dir", ports.listen),
		mgmt:   fmt.Sprintf("https://127.0.0.1:%d", ports.mgmt),
		client: &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}},
		done:   make(chan struct{}), out: &syncBuffer{}}
	p.cmd = exec.Command(bin, "-config", cfgPath)
	p.cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = p.cmd.Wait(); close(p.done) }()
	t.Cleanup(p.stop)
	waitFor(t, 30*time.Second, "pebble serving", func() bool {
		resp, err := p.client.Get(p.dir)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return p
}

func (p *pebble) stop() {
	_ = p.cmd.Process.Kill()
	<-p.done
}

// roots returns pebble's issuing root.
func (p *pebble) roots(t *testing.T) *x509.CertPool {
	t.Helper()
	resp, err := p.client.Get(p.mgmt + "/roots/0")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(b) {
		t.Fatalf("pebble root: %q", b)
	}
	return pool
}

func waitFor(t *testing.T, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}
