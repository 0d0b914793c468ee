// Package pebbletest runs pebble, Let's Encrypt's ACME test server, for
// meetd's tests. scripts/test.sh installs the binary into bin/; Binary finds
// it there, in $PEBBLE, or installs it into a temporary directory.
package pebbletest

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"io"
	"math/big"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// Module is the pebble command scripts/test.sh installs.
const Module = "github.com/letsencrypt/pebble/v2/cmd/pebble@v2.10.3"

// Binary returns the pebble binary: $PEBBLE, bin/pebble in the module root
// (found from the test's directory upwards), or a fresh go install; it
// skips the test (fails it on CI) when none works.
func Binary(t testing.TB) string {
	t.Helper()
	if p := os.Getenv("PEBBLE"); p != "" {
		return p
	}
	for dir, _ := os.Getwd(); dir != filepath.Dir(dir); dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "bin", "pebble")
		if _, err := os.Stat(filepath.Join(dir, "go.mod")); err == nil {
			if _, err := os.Stat(p); err == nil {
				return p
			}
			break
		}
	}
	dir := t.TempDir()
	cmd := exec.Command("go", "install", Module)
	cmd.Env = append(os.Environ(), "GOBIN="+dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		if os.Getenv("CI") != "" {
			t.Fatalf("go install %s: %v\n%s", Module, err, out)
		}
		t.Skipf("no pebble (go install %s: %v)", Module, err)
	}
	return filepath.Join(dir, "pebble")
}

// Ports are pebble's listeners and where its validation authority checks
// the name being validated (localhost:HTTP01 and localhost:TLSALPN01).
type Ports struct{ Listen, Mgmt, HTTP01, TLSALPN01 int }

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

// FreePorts returns four free ports.
func FreePorts(t testing.TB) Ports {
	return Ports{FreePort(t), FreePort(t), FreePort(t), FreePort(t)}
}

// Server is a running pebble.
type Server struct {
	Directory string       // the ACME directory URL
	Client    *http.Client // trusts pebble's own HTTPS certificate
	CAFile    string       // PEM of that certificate (for acme.ca_roots)
	mgmt      string
	cmd       *exec.Cmd
	done      chan struct{}
	out       *Buffer
}

// Start runs pebble issuing certificates valid for validity seconds, and
// stops it when the test ends.
func Start(t testing.TB, bin string, ports Ports, validity int) *Server {
	t.Helper()
	dir := t.TempDir()
	certPEM, keyPEM := selfSigned(t)
	s := &Server{CAFile: filepath.Join(dir, "cert.pem"), done: make(chan struct{}), out: &Buffer{},
		Directory: fmt.Sprintf("https://127.0.0.1:%d/dir", ports.Listen), mgmt: fmt.Sprintf("https://127.0.0.1:%d", ports.Mgmt)}
	keyFile := filepath.Join(dir, "key.pem")
	conf := map[string]any{"pebble": map[string]any{
		"listenAddress": fmt.Sprintf("127.0.0.1:%d", ports.Listen), "managementListenAddress": fmt.Sprintf("127.0.0.1:%d", ports.Mgmt),
		"certificate": s.CAFile, "privateKey": keyFile, "httpPort": ports.HTTP01, "tlsPort": ports.TLSALPN01,
		"ocspResponderURL": "", "externalAccountBindingRequired": false,
		"retryAfter": map[string]int{"authz": 1, "order": 1}, "keyAlgorithm": "ecdsa",
		"profiles": map[string]any{"default": map[string]any{"description": "test", "validityPeriod": validity}},
	}}
	b, _ := json.Marshal(conf)
	cfgFile := filepath.Join(dir, "pebble.json")
	for f, data := range map[string][]byte{s.CAFile: certPEM, keyFile: keyPEM, cfgFile: b} {
		if err := os.WriteFile(f, data, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(certPEM)
	s.Client = &http.Client{Timeout: 10 * time.Second, Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: roots}}}
	s.cmd = exec.Command(bin, "-config", cfgFile)
	s.cmd.Env = append(os.Environ(), "PEBBLE_VA_NOSLEEP=1", "PEBBLE_WFE_NONCEREJECT=0", "PEBBLE_AUTHZREUSE=0")
	s.cmd.Stdout, s.cmd.Stderr = s.out, s.out
	if err := s.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = s.cmd.Wait(); close(s.done) }()
	t.Cleanup(s.Stop)
	WaitFor(t, 30*time.Second, "pebble serving", func() bool {
		resp, err := s.Client.Get(s.Directory)
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return s
}

// Stop ends pebble (the ACME server then fails every request).
func (s *Server) Stop() {
	_ = s.cmd.Process.Kill()
	<-s.done
}

// Log returns pebble's output so far.
func (s *Server) Log() string { return s.out.String() }

// Roots returns pebble's issuing root.
func (s *Server) Roots(t testing.TB) *x509.CertPool {
	t.Helper()
	resp, err := s.Client.Get(s.mgmt + "/roots/0")
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

// WaitFor polls ok every 100 ms and fails the test after limit.
func WaitFor(t testing.TB, limit time.Duration, what string, ok func() bool) {
	t.Helper()
	deadline := time.Now().Add(limit)
	for !ok() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, limit)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// Buffer is a goroutine-safe bytes.Buffer for logs.
type Buffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *Buffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *Buffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// selfSigned makes pebble's HTTPS certificate for 127.0.0.1 and localhost.
func selfSigned(t testing.TB) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "pebble test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		DNSNames: []string{"localhost"}, IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign, IsCA: true, BasicConstraintsValid: true,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kder})
}
