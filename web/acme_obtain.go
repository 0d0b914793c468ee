package web

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"time"

	"golang.org/x/crypto/acme"
)

const acmeAccountKeyFile = "account.key"

// obtain runs one ACME order for the domain and, on success, stores and
// switches to the new certificate.
func (m *ACMEManager) obtain(ctx context.Context) error {
	client, err := m.client(ctx)
	if err != nil {
		return err
	}
	order, err := client.AuthorizeOrder(ctx, acme.DomainIDs(m.cfg.Domain))
	if err != nil {
		return fmt.Errorf("%w: new order: %w", ErrACME, err)
	}
	for _, u := range order.AuthzURLs {
		if err := m.authorize(ctx, client, u); err != nil {
			return err
		}
	}
	orderURL := order.URI // only the new-order answer is sure to carry it
	if order, err = client.WaitOrder(ctx, orderURL); err != nil {
		return fmt.Errorf("%w: order: %w", ErrACME, err)
	}
	order.URI = orderURL
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return fmt.Errorf("%w: key: %w", ErrACME, err)
	}
	csr, err := x509.CreateCertificateRequest(rand.Reader, &x509.CertificateRequest{DNSNames: []string{m.cfg.Domain}}, key)
	if err != nil {
		return fmt.Errorf("%w: csr: %w", ErrACME, err)
	}
	der, err := finalize(ctx, client, order, csr)
	if err != nil {
		return err
	}
	return m.install(der, key)
}

// finalize submits the CSR and fetches the chain. Some servers (pebble)
// answer the finalize request without the order's Location, which
// CreateOrderCert needs while issuance is still processing; then the order
// is polled at its known URL and the certificate fetched from there.
func finalize(ctx context.Context, c *acme.Client, order *acme.Order, csr []byte) ([][]byte, error) {
	der, _, err := c.CreateOrderCert(ctx, order.FinalizeURL, csr, true)
	if err == nil {
		return der, nil
	}
	o, werr := c.WaitOrder(ctx, order.URI)
	if werr != nil || o.CertURL == "" {
		return nil, fmt.Errorf("%w: finalize: %w", ErrACME, err)
	}
	if der, err = c.FetchCert(ctx, o.CertURL, true); err != nil {
		return nil, fmt.Errorf("%w: fetch certificate: %w", ErrACME, err)
	}
	return der, nil
}

// client returns an ACME client with the kept account key, registering the
// account (again, harmlessly) on every order.
func (m *ACMEManager) client(ctx context.Context) (*acme.Client, error) {
	key, err := m.accountKey()
	if err != nil {
		return nil, err
	}
	c := &acme.Client{Key: key, DirectoryURL: m.cfg.Directory, HTTPClient: m.cfg.HTTPClient, UserAgent: "meetd"}
	acct := &acme.Account{}
	if m.cfg.Email != "" {
		acct.Contact = []string{"mailto:" + m.cfg.Email}
	}
	if _, err := c.Register(ctx, acct, acme.AcceptTOS); err != nil && !errors.Is(err, acme.ErrAccountAlreadyExists) {
		return nil, fmt.Errorf("%w: account at %s: %w", ErrACME, m.cfg.Directory, err)
	}
	return c, nil
}

// authorize proves control of the domain for one authorization.
func (m *ACMEManager) authorize(ctx context.Context, c *acme.Client, url string) error {
	z, err := c.GetAuthorization(ctx, url)
	if err != nil {
		return fmt.Errorf("%w: authorization: %w", ErrACME, err)
	}
	if z.Status == acme.StatusValid {
		return nil
	}
	chal := m.pick(z.Challenges)
	if chal == nil {
		return fmt.Errorf("%w: %w (offered %v, enabled %v)", ErrACME, errNoChallenge, challengeTypes(z.Challenges), m.cfg.Challenges)
	}
	undo, err := m.prepare(c, chal)
	if err != nil {
		return err
	}
	defer undo()
	if _, err := c.Accept(ctx, chal); err != nil {
		return fmt.Errorf("%w: accept %s: %w", ErrACME, chal.Type, err)
	}
	if _, err := c.WaitAuthorization(ctx, z.URI); err != nil {
		return fmt.Errorf("%w: %s challenge for %s failed (is the port reachable from the internet?): %w", ErrACME, chal.Type, m.cfg.Domain, err)
	}
	return nil
}

func (m *ACMEManager) pick(offered []*acme.Challenge) *acme.Challenge {
	for _, want := range m.cfg.Challenges {
		for _, ch := range offered {
			if ch.Type == want {
				return ch
			}
		}
	}
	return nil
}

func challengeTypes(cs []*acme.Challenge) []string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Type)
	}
	return out
}

// prepare makes the challenge answerable and returns how to withdraw it.
func (m *ACMEManager) prepare(c *acme.Client, chal *acme.Challenge) (func(), error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	switch chal.Type {
	case ChallengeHTTP01:
		ka, err := c.HTTP01ChallengeResponse(chal.Token)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrACME, err)
		}
		p := c.HTTP01ChallengePath(chal.Token)
		m.http01[p] = ka
		return func() { m.mu.Lock(); delete(m.http01, p); m.mu.Unlock() }, nil
	default: // tls-alpn-01
		crt, err := c.TLSALPN01ChallengeCert(chal.Token, m.cfg.Domain)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrACME, err)
		}
		m.alpnCrt[m.cfg.Domain] = &crt
		return func() { m.mu.Lock(); delete(m.alpnCrt, m.cfg.Domain); m.mu.Unlock() }, nil
	}
}

// install checks the issued chain, writes it and the key to disk and makes
// it the certificate in use.
func (m *ACMEManager) install(der [][]byte, key *ecdsa.PrivateKey) error {
	if len(der) == 0 {
		return fmt.Errorf("%w: empty certificate chain", ErrACME)
	}
	leaf, err := x509.ParseCertificate(der[0])
	if err != nil {
		return fmt.Errorf("%w: issued certificate: %w", ErrACME, err)
	}
	if err := leaf.VerifyHostname(m.cfg.Domain); err != nil {
		return fmt.Errorf("%w: issued certificate: %w", ErrACME, err)
	}
	var chain []byte
	for _, d := range der {
		chain = append(chain, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: d})...)
	}
	keyPEM, err := marshalKey(key)
	if err != nil {
		return err
	}
	if err := writeKeyPair(m.cfg.Dir, m.certPath(), chain, m.keyPath(), keyPEM); err != nil {
		return err
	}
	c := &tls.Certificate{Certificate: slices.Clone(der), PrivateKey: key, Leaf: leaf}
	m.cert.Store(c)
	logChainCheck(m.log, "acme", c, m.cfg.Domain, m.cfg.Roots, time.Now())
	m.log.Info("acme: new certificate in use", "domain", m.cfg.Domain, "issuer", leaf.Issuer.CommonName,
		"expires", leaf.NotAfter, "path", m.certPath())
	return nil
}

// accountKey loads the ACME account key, creating it on first use.
func (m *ACMEManager) accountKey() (crypto.Signer, error) {
	p := filepath.Join(m.cfg.Dir, acmeAccountKeyFile)
	if b, err := os.ReadFile(p); err == nil {
		if blk, _ := pem.Decode(b); blk != nil {
			if k, err := x509.ParsePKCS8PrivateKey(blk.Bytes); err == nil {
				if s, ok := k.(crypto.Signer); ok {
					return s, nil
				}
			}
		}
		return nil, fmt.Errorf("%w: unreadable account key %s (move it away to make a new account)", ErrACME, p)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("%w: account key: %w", ErrACME, err)
	}
	b, err := marshalKey(key)
	if err != nil {
		return nil, err
	}
	if err := os.MkdirAll(m.cfg.Dir, 0o700); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrACME, err)
	}
	if err := writeAtomic(p, b, 0o600); err != nil {
		return nil, err
	}
	return key, nil
}

func marshalKey(key *ecdsa.PrivateKey) ([]byte, error) {
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, fmt.Errorf("%w: marshal key: %w", ErrACME, err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}
