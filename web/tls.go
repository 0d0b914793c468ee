package web

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"

	"meetd/conf"
)

// certSource is where the server's certificate comes from: files, the
// self-signed one, or ACME (which may change it at any time).
type certSource struct {
	static    atomic.Pointer[tls.Certificate] // replaced by a reload (files)
	fromFiles bool                            // http.tls_cert/http.tls_key
	acme      *ACMEManager
}

func newCertSource(c *tls.Certificate, fromFiles bool, acme *ACMEManager) *certSource {
	s := &certSource{fromFiles: fromFiles, acme: acme}
	s.static.Store(c)
	return s
}

// loadCertFiles reads http.tls_cert/http.tls_key and checks the chain.
func loadCertFiles(cfg *conf.Config, public *url.URL, log *slog.Logger) (*tls.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
	if err != nil {
		return nil, fmt.Errorf("%w: http.tls_cert/http.tls_key: %w", ErrCertificate, err)
	}
	logChainCheck(log, "http.tls_cert", &cert, public.Hostname(), nil, time.Now())
	return &cert, nil
}

// certificate returns the configured key pair, an ACME manager, or the
// self-signed certificate, and checks what it will serve.
func certificate(cfg *conf.Config, public *url.URL, log *slog.Logger) (*certSource, error) {
	if cfg.HTTP.TLSCert != "" {
		cert, err := loadCertFiles(cfg, public, log)
		if err != nil {
			return nil, err
		}
		return newCertSource(cert, true, nil), nil
	}
	hosts := []string{cfg.Domain}
	if h := public.Hostname(); h != cfg.Domain {
		hosts = append(hosts, h)
	}
	self, err := SelfSigned(cfg.StateDir, hosts, time.Now(), log)
	if err != nil {
		return nil, err
	}
	if !cfg.ACME.Enabled {
		if cfg.Domain != "localhost" {
			log.Warn("web: serving a self-signed certificate: browsers warn and the Jitsi Meet mobile apps refuse to connect; "+
				"set [acme] enabled = true or http.tls_cert/http.tls_key", "domain", cfg.Domain)
		}
		return newCertSource(&self, false, nil), nil
	}
	m, err := newACMEFromConfig(cfg, &self, log)
	if err != nil {
		return nil, err
	}
	return newCertSource(&self, false, m), nil
}

func newACMEFromConfig(cfg *conf.Config, fallback *tls.Certificate, log *slog.Logger) (*ACMEManager, error) {
	challenges := []string{ChallengeTLSALPN01}
	if cfg.ACME.HTTPListen != "" {
		challenges = append(challenges, ChallengeHTTP01)
	}
	client := http.DefaultClient
	if cfg.ACME.CARoots != "" {
		pem, err := os.ReadFile(cfg.ACME.CARoots)
		roots := x509.NewCertPool()
		if err != nil || !roots.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("%w: acme.ca_roots %q: no PEM certificates (%v)", ErrACME, cfg.ACME.CARoots, err)
		}
		client = &http.Client{Timeout: time.Minute, Transport: &http.Transport{
			TLSClientConfig: &tls.Config{RootCAs: roots, MinVersion: tls.VersionTLS12}}}
	}
	return NewACME(ACMEConfig{
		Domain: cfg.Domain, Directory: cfg.ACME.Directory, Email: cfg.ACME.Email,
		Dir: filepath.Join(cfg.StateDir, "acme"), Challenges: challenges, HTTPClient: client,
		Logger: log,
	}, fallback), nil
}

// tlsConfig serves the current certificate; with ACME it also answers
// TLS-ALPN-01 challenges (ALPN "acme-tls/1").
func (s *certSource) tlsConfig() *tls.Config {
	c := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.acme != nil {
		c.GetCertificate = s.acme.GetCertificate
		c.NextProtos = []string{"h2", "http/1.1", acme.ALPNProto}
		return c
	}
	c.GetCertificate = func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.static.Load(), nil }
	return c
}
