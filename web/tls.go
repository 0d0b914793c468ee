package web

import (
	"crypto/tls"
	"fmt"
	"log/slog"
	"net/url"
	"time"

	"meetd/conf"
)

// certificate returns the configured key pair, or the self-signed one.
// Later sources (ACME) plug in here; the server reads the certificate
// through tls.Config.GetCertificate so it can change without a restart.
func certificate(cfg *conf.Config, public *url.URL, log *slog.Logger) (tls.Certificate, error) {
	if cfg.HTTP.TLSCert != "" {
		cert, err := tls.LoadX509KeyPair(cfg.HTTP.TLSCert, cfg.HTTP.TLSKey)
		if err != nil {
			return tls.Certificate{}, fmt.Errorf("%w: http.tls_cert/http.tls_key: %w", ErrCertificate, err)
		}
		return cert, nil
	}
	hosts := []string{cfg.Domain}
	if h := public.Hostname(); h != cfg.Domain {
		hosts = append(hosts, h)
	}
	return SelfSigned(cfg.StateDir, hosts, time.Now(), log)
}

func tlsConfig(cert tls.Certificate) *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) {
			return &cert, nil
		},
	}
}
