package web

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/acme"
)

// ACME challenge types meetd answers.
const (
	ChallengeHTTP01    = "http-01"
	ChallengeTLSALPN01 = "tls-alpn-01"
)

// ACMEConfig configures an ACMEManager.
type ACMEConfig struct {
	Domain    string // the one name on the certificate
	Directory string // ACME directory URL
	Email     string // account contact; may be empty
	Dir       string // where the account key and the certificate are kept
	// Challenges in order of preference, from ChallengeHTTP01 and
	// ChallengeTLSALPN01; HTTP-01 needs HTTPHandler served on port 80.
	Challenges []string
	// HTTPClient talks to the ACME server (nil: http.DefaultClient).
	HTTPClient *http.Client
	// Roots verify issued chains in the log check (nil: system roots).
	Roots *x509.CertPool
	// Retry bounds the wait after a failed attempt (it doubles from
	// RetryMin up to RetryMax); zero values mean 1 minute and 6 hours.
	RetryMin, RetryMax time.Duration
	Logger             *slog.Logger
}

// ACMEManager obtains a certificate for one domain by ACME (RFC 8555),
// answers HTTP-01 and TLS-ALPN-01 challenges, keeps the certificate on disk
// and renews it in the background when two thirds of its lifetime have
// passed. A failed renewal keeps the current certificate in use and is
// retried with backoff.
type ACMEManager struct {
	cfg      ACMEConfig
	log      *slog.Logger
	cert     atomic.Pointer[tls.Certificate] // nil until one is obtained or loaded
	fallback *tls.Certificate                // served until then (self-signed)

	mu      sync.Mutex
	http01  map[string]string           // token path → key authorization
	alpnCrt map[string]*tls.Certificate // domain → challenge certificate
}

// NewACME loads a kept certificate for cfg.Domain, if any. fallback is
// served while there is none (TLS-ALPN-01 needs a working listener).
func NewACME(cfg ACMEConfig, fallback *tls.Certificate) *ACMEManager {
	if cfg.RetryMin <= 0 {
		cfg.RetryMin = time.Minute
	}
	if cfg.RetryMax < cfg.RetryMin {
		cfg.RetryMax = max(6*time.Hour, cfg.RetryMin)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if len(cfg.Challenges) == 0 {
		cfg.Challenges = []string{ChallengeTLSALPN01}
	}
	m := &ACMEManager{cfg: cfg, log: cfg.Logger, fallback: fallback,
		http01: map[string]string{}, alpnCrt: map[string]*tls.Certificate{}}
	if c, err := tls.LoadX509KeyPair(m.certPath(), m.keyPath()); err == nil && c.Leaf != nil &&
		time.Now().Before(c.Leaf.NotAfter) && c.Leaf.VerifyHostname(cfg.Domain) == nil {
		m.cert.Store(&c)
		m.log.Info("acme: using the kept certificate", "domain", cfg.Domain, "expires", c.Leaf.NotAfter)
	}
	return m
}

func (m *ACMEManager) certPath() string { return filepath.Join(m.cfg.Dir, m.cfg.Domain+".crt") }
func (m *ACMEManager) keyPath() string  { return filepath.Join(m.cfg.Dir, m.cfg.Domain+".key") }

// Certificate returns the certificate in use, or nil before the first one.
func (m *ACMEManager) Certificate() *tls.Certificate { return m.cert.Load() }

// GetCertificate serves TLS-ALPN-01 challenge certificates to the ACME
// server and the current certificate (or the fallback) to everyone else.
func (m *ACMEManager) GetCertificate(hello *tls.ClientHelloInfo) (*tls.Certificate, error) {
	if len(hello.SupportedProtos) == 1 && hello.SupportedProtos[0] == acme.ALPNProto {
		m.mu.Lock()
		c := m.alpnCrt[hello.ServerName]
		m.mu.Unlock()
		if c == nil {
			return nil, fmt.Errorf("%w: no tls-alpn-01 challenge pending for %q", ErrACME, hello.ServerName)
		}
		return c, nil
	}
	if c := m.cert.Load(); c != nil {
		return c, nil
	}
	if m.fallback != nil {
		return m.fallback, nil
	}
	return nil, fmt.Errorf("%w: no certificate yet", ErrACME)
}

// HTTPHandler answers HTTP-01 challenges under /.well-known/acme-challenge/
// and passes every other request to next.
func (m *ACMEManager) HTTPHandler(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		m.mu.Lock()
		ka, ok := m.http01[r.URL.Path]
		m.mu.Unlock()
		if !ok {
			next.ServeHTTP(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(ka))
	})
}

// Run obtains a certificate when there is none and renews it, until ctx
// ends. It returns nil then; failures are logged and retried.
func (m *ACMEManager) Run(ctx context.Context) error {
	if m.cfg.HTTPClient != nil {
		defer m.cfg.HTTPClient.CloseIdleConnections()
	}
	backoff := m.cfg.RetryMin
	for {
		wait := m.untilRenewal(time.Now())
		if err := sleepCtx(ctx, wait); err != nil {
			return nil
		}
		err := m.obtain(ctx)
		if ctx.Err() != nil {
			return nil
		}
		if err == nil {
			backoff = m.cfg.RetryMin
			continue
		}
		m.logFailure(err, backoff)
		if sleepCtx(ctx, backoff) != nil {
			return nil
		}
		backoff = min(2*backoff, m.cfg.RetryMax)
	}
}

func (m *ACMEManager) logFailure(err error, retry time.Duration) {
	args := []any{"domain", m.cfg.Domain, "err", err, "retry_in", retry}
	if c := m.cert.Load(); c != nil {
		m.log.Error("acme: renewing the certificate failed; the current one stays in use", append(args, "expires", c.Leaf.NotAfter)...)
		return
	}
	m.log.Error("acme: obtaining a certificate failed; serving the self-signed one meanwhile", args...)
}

// untilRenewal is how long until the current certificate should be renewed
// (two thirds into its lifetime); 0 when there is none.
func (m *ACMEManager) untilRenewal(now time.Time) time.Duration {
	c := m.cert.Load()
	if c == nil || c.Leaf == nil {
		return 0
	}
	life := c.Leaf.NotAfter.Sub(c.Leaf.NotBefore)
	return max(0, c.Leaf.NotBefore.Add(life*2/3).Sub(now))
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// errNoChallenge: the server offered no challenge type meetd is set up for.
var errNoChallenge = errors.New("no offered challenge is enabled")
