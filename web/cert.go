package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"log/slog"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"time"
)

// Self-signed certificate files inside the state directory.
const (
	SelfSignedCertFile = "selfsigned-cert.pem"
	SelfSignedKeyFile  = "selfsigned-key.pem"

	selfSignedLifetime = 365 * 24 * time.Hour
	// renewBefore: a kept certificate closer than this to expiry is replaced.
	renewBefore = 30 * 24 * time.Hour
)

// SelfSigned returns the self-signed certificate kept in dir for hosts (the
// domain, and the public URL's host when that differs), creating dir and the
// certificate on first use. A kept certificate is
// reused across restarts (so a browser exception for it stays valid) unless
// it is unreadable, does not cover the needed names or expires within 30
// days; then a new one replaces it.
//
// The certificate is ECDSA P-256 with subject alternative names hosts,
// localhost, 127.0.0.1 and ::1; hosts[0] is its common name.
func SelfSigned(dir string, hosts []string, now time.Time, log *slog.Logger) (tls.Certificate, error) {
	certPath := filepath.Join(dir, SelfSignedCertFile)
	keyPath := filepath.Join(dir, SelfSignedKeyFile)
	cert, err := tls.LoadX509KeyPair(certPath, keyPath)
	if err == nil && usable(cert, hosts, now) {
		log.Info("web: reusing self-signed certificate", "path", certPath)
		return cert, nil
	}
	if err != nil && !os.IsNotExist(err) {
		log.Warn("web: replacing unreadable self-signed certificate", "path", certPath, "err", err)
	}
	certPEM, keyPEM, err := newSelfSigned(hosts, now)
	if err != nil {
		return tls.Certificate{}, err
	}
	if err := writeKeyPair(dir, certPath, certPEM, keyPath, keyPEM); err != nil {
		return tls.Certificate{}, err
	}
	log.Info("web: created self-signed certificate", "path", certPath, "hosts", hosts)
	return tls.X509KeyPair(certPEM, keyPEM)
}

// selfSignedNames are the host names and addresses the certificate covers:
// hosts plus localhost and the loopback addresses.
func selfSignedNames(hosts []string) (dns []string, ips []net.IP) {
	ips = []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback}
	for _, h := range append(hosts, "localhost") {
		if ip := net.ParseIP(h); ip != nil {
			if !slices.ContainsFunc(ips, ip.Equal) {
				ips = append(ips, ip)
			}
		} else if !slices.Contains(dns, h) {
			dns = append(dns, h)
		}
	}
	return dns, ips
}

func usable(cert tls.Certificate, hosts []string, now time.Time) bool {
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || now.Add(renewBefore).After(leaf.NotAfter) || now.Before(leaf.NotBefore) {
		return false
	}
	dns, ips := selfSignedNames(hosts)
	for _, name := range dns {
		if leaf.VerifyHostname(name) != nil {
			return false
		}
	}
	for _, ip := range ips {
		if leaf.VerifyHostname(ip.String()) != nil {
			return false
		}
	}
	return true
}

func newSelfSigned(hosts []string, now time.Time) (certPEM, keyPEM []byte, err error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: generate key: %w", ErrCertificate, err)
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: serial: %w", ErrCertificate, err)
	}
	dns, ips := selfSignedNames(hosts)
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: hosts[0], Organization: []string{"meetd self-signed"}},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(selfSignedLifetime),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		DNSNames:              dns,
		IPAddresses:           ips,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: create: %w", ErrCertificate, err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: marshal key: %w", ErrCertificate, err)
	}
	certPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
	keyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
	return certPEM, keyPEM, nil
}

// writeKeyPair writes both files atomically (temp file + rename), the key
// readable by the owner only.
func writeKeyPair(dir, certPath string, certPEM []byte, keyPath string, keyPEM []byte) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("%w: state dir: %w", ErrCertificate, err)
	}
	if err := writeAtomic(keyPath, keyPEM, 0o600); err != nil {
		return err
	}
	return writeAtomic(certPath, certPEM, 0o644)
}

func writeAtomic(path string, data []byte, mode os.FileMode) error {
	f, err := os.CreateTemp(filepath.Dir(path), ".tmp-*")
	if err != nil {
		return fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	tmp := f.Name()
	_, werr := f.Write(data)
	cerr := f.Close()
	if err := firstErr(werr, cerr, os.Chmod(tmp, mode)); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: write %s: %w", ErrCertificate, path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		_ = os.Remove(tmp)
		return fmt.Errorf("%w: %w", ErrCertificate, err)
	}
	return nil
}

func firstErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}
