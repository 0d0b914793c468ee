package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/internal/pebbletest"
)

// acmeRig is one ACMEManager running against pebble, with its listeners.
type acmeRig struct {
	m    *ACMEManager
	logs *pebbletest.Buffer
	stop func()
}

func startACME(t *testing.T, p *pebbletest.Server, dir string, ports pebbletest.Ports, challenges ...string) *acmeRig {
	t.Helper()
	logs := &pebbletest.Buffer{}
	fallback, err := SelfSigned(t.TempDir(), []string{"localhost"}, time.Now(), quietLogger())
	if err != nil {
		t.Fatal(err)
	}
	m := NewACME(ACMEConfig{Domain: "localhost", Directory: p.Directory, Dir: dir, Challenges: challenges,
		HTTPClient: p.Client, RetryMin: 200 * time.Millisecond, RetryMax: time.Second,
		Logger: slog.New(slog.NewTextHandler(logs, nil))}, &fallback)
	tlsLn := listenTLS(t, ports.TLSALPN01, m)
	httpLn, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", ports.HTTP01))
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: m.HTTPHandler(http.NotFoundHandler()), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(httpLn) }()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = m.Run(ctx); close(done) }()
	r := &acmeRig{m: m, logs: logs}
	r.stop = func() { cancel(); <-done; _ = srv.Close(); _ = tlsLn.Close() }
	t.Cleanup(r.stop)
	return r
}

// listenTLS serves TLS on the port with the manager's certificates (the
// TLS-ALPN-01 validation and the test's own handshakes).
func listenTLS(t *testing.T, port int, m *ACMEManager) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port))
	if err != nil {
		t.Fatal(err)
	}
	tl := tls.NewListener(ln, &tls.Config{GetCertificate: m.GetCertificate, NextProtos: []string{"http/1.1", "acme-tls/1"}})
	go func() {
		for {
			c, err := tl.Accept()
			if err != nil {
				return
			}
			go func() { _ = c.(*tls.Conn).Handshake(); _ = c.Close() }()
		}
	}()
	return tl
}

// servedSerial completes a handshake as a browser would, trusting roots only.
func servedSerial(t *testing.T, port int, roots *x509.CertPool) (string, error) {
	t.Helper()
	c, err := tls.Dial("tcp", fmt.Sprintf("127.0.0.1:%d", port), &tls.Config{RootCAs: roots, ServerName: "localhost"})
	if err != nil {
		return "", err
	}
	defer c.Close()
	return c.ConnectionState().PeerCertificates[0].SerialNumber.String(), nil
}

func serial(c *tls.Certificate) string {
	if c == nil {
		return ""
	}
	return c.Leaf.SerialNumber.String()
}

// TestACMEWithPebble obtains certificates from pebble by HTTP-01 and by
// TLS-ALPN-01, reloads a kept one, renews it before expiry, and keeps
// serving the old one while the ACME server is down.
func TestACMEWithPebble(t *testing.T) {
	bin := pebbletest.Binary(t)
	ports := pebbletest.FreePorts(t)
	const validity = 9 // seconds; renewal after 6
	p := pebbletest.Start(t, bin, ports, validity)
	roots := p.Roots(t)
	wait := 30 * time.Second

	t.Run("http-01", func(t *testing.T) {
		r := startACME(t, p, t.TempDir(), ports, ChallengeHTTP01)
		defer func() {
			if t.Failed() {
				t.Logf("meetd:\n%s", r.logs.String())
			}
		}()
		pebbletest.WaitFor(t, wait, "certificate by http-01", func() bool { return r.m.Certificate() != nil })
		r.stop()
	})

	dir := t.TempDir()
	r := startACME(t, p, dir, ports, ChallengeTLSALPN01)
	var first string
	t.Run("tls-alpn-01", func(t *testing.T) {
		pebbletest.WaitFor(t, wait, "certificate by tls-alpn-01", func() bool { return r.m.Certificate() != nil })
		first = serial(r.m.Certificate())
		got, err := servedSerial(t, ports.TLSALPN01, roots)
		if err != nil || got != first {
			t.Fatalf("served certificate %s (%v), want %s verified by pebble's root", got, err, first)
		}
	})
	t.Run("kept on disk and reused", func(t *testing.T) {
		again := NewACME(ACMEConfig{Domain: "localhost", Directory: "https://127.0.0.1:1/dir", Dir: dir}, nil)
		if got := serial(again.Certificate()); got != first {
			t.Fatalf("reloaded certificate %q, want %q", got, first)
		}
	})
	var renewed string
	t.Run("renewal", func(t *testing.T) {
		pebbletest.WaitFor(t, 3*validity*time.Second, "renewal", func() bool {
			renewed = serial(r.m.Certificate())
			return renewed != first
		})
		got, err := servedSerial(t, ports.TLSALPN01, roots)
		if err != nil || got != renewed {
			t.Fatalf("served %s (%v) after renewal, want %s", got, err, renewed)
		}
		kept, err := tls.LoadX509KeyPair(filepath.Join(dir, "localhost.crt"), filepath.Join(dir, "localhost.key"))
		if err != nil || kept.Leaf.SerialNumber.String() != renewed {
			t.Fatalf("file on disk is not the renewed certificate (%v)", err)
		}
	})
	t.Run("failing ACME server keeps the old certificate", func(t *testing.T) {
		p.Stop()
		current := serial(r.m.Certificate())
		pebbletest.WaitFor(t, 3*validity*time.Second, "a failed renewal", func() bool {
			return strings.Contains(r.logs.String(), "renewing the certificate failed")
		})
		if got := serial(r.m.Certificate()); got != current {
			t.Fatalf("certificate changed to %s while the ACME server was down", got)
		}
		if got, err := servedSerial(t, ports.TLSALPN01, roots); err != nil && !strings.Contains(err.Error(), "expired") || err == nil && got != current {
			t.Fatalf("served %s (%v), want the old %s", got, err, current)
		}
	})
	if t.Failed() {
		t.Logf("pebble:\n%s\nmeetd:\n%s", p.Log(), r.logs.String())
	}
}
