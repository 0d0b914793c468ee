package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"meetd/conf"
)

// serveOnce starts a Server on a loopback port, fetches /config.js over
// verified TLS (trusting only roots) and returns the certificate it served.
func serveOnce(t *testing.T, cfg *conf.Config, roots *x509.CertPool) *x509.Certificate {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	pub, err := cfg.PublicURL(port)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestServer(t, cfg, Options{PublicURL: pub})
	if roots == nil {
		roots = x509.NewCertPool()
		roots.AddCert(leafOf(t, tlsCert(t, s)))
	}
	done := make(chan error, 1)
	go func() { done <- s.Serve(ln) }()
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	defer client.CloseIdleConnections()
	resp, err := client.Get(fmt.Sprintf("https://127.0.0.1:%d/config.js", port))
	if err != nil {
		t.Fatalf("GET over TLS: %v", err)
	}
	body, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	parseConfigJS(t, body)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := s.Shutdown(ctx); err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	if err := <-done; err != nil {
		t.Errorf("Serve after Shutdown = %v, want nil", err)
	}
	return resp.TLS.PeerCertificates[0]
}

func tlsCert(t *testing.T, s *Server) tls.Certificate {
	t.Helper()
	c, err := s.TLSConfig().GetCertificate(&tls.ClientHelloInfo{})
	if err != nil {
		t.Fatal(err)
	}
	return *c
}

func TestServeTLSReusesCertificateAcrossRestarts(t *testing.T) {
	cfg := testConfig(t)
	cfg.HTTP.Listen = "127.0.0.1:0"
	first := serveOnce(t, cfg, nil)
	roots := x509.NewCertPool()
	roots.AddCert(first)
	second := serveOnce(t, cfg, roots) // fails to verify if a new cert was made
	if !first.Equal(second) {
		t.Error("restart served a different certificate")
	}
}

func TestConfiguredCertificateFiles(t *testing.T) {
	dir := t.TempDir()
	certPEM, keyPEM, err := newSelfSigned([]string{"localhost"}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certPath, keyPath := filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	if err := os.WriteFile(certPath, certPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyPath, keyPEM, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Run("loads", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.HTTP.TLSCert, cfg.HTTP.TLSKey = certPath, keyPath
		serveOnce(t, cfg, nil)
		if _, err := os.Stat(filepath.Join(cfg.StateDir, SelfSignedCertFile)); !os.IsNotExist(err) {
			t.Error("a self-signed certificate was made although files were configured")
		}
	})
	t.Run("missing file", func(t *testing.T) {
		cfg := testConfig(t)
		cfg.HTTP.TLSCert, cfg.HTTP.TLSKey = certPath, filepath.Join(dir, "nope.pem")
		_, err := New(cfg, Options{PublicURL: mustURL(t, "https://localhost"), Logger: quietLogger()})
		if !errors.Is(err, ErrCertificate) {
			t.Errorf("New with a missing key file = %v, want ErrCertificate", err)
		}
	})
}

func TestSelfSignedCoversPublicHost(t *testing.T) {
	s := newTestServer(t, testConfig(t), Options{PublicURL: mustURL(t, "https://meet.example.org:9443")})
	leaf := leafOf(t, tlsCert(t, s))
	for _, h := range []string{"localhost", "meet.example.org"} {
		if err := leaf.VerifyHostname(h); err != nil {
			t.Errorf("certificate does not cover %s: %v", h, err)
		}
	}
}
