package web

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"strings"
	"testing"
	"time"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// issue makes a certificate signed by parent (self-signed when parent is
// nil); ca marks a CA certificate, names are the DNS names.
func issue(t *testing.T, parent *testCA, ca bool, names ...string) *testCA {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: "test " + strings.Join(names, ",")},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(90 * 24 * time.Hour), DNSNames: names,
		IsCA: ca, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign}
	signer, signKey := tmpl, key
	if parent != nil {
		signer, signKey = parent.cert, parent.key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, signer, &key.PublicKey, signKey)
	if err != nil {
		t.Fatal(err)
	}
	c, _ := x509.ParseCertificate(der)
	return &testCA{cert: c, key: key}
}

func chainOf(leaf *testCA, rest ...*testCA) *tls.Certificate {
	c := &tls.Certificate{Certificate: [][]byte{leaf.cert.Raw}, PrivateKey: leaf.key}
	for _, r := range rest {
		c.Certificate = append(c.Certificate, r.cert.Raw)
	}
	return c
}

func TestCheckChain(t *testing.T) {
	root := issue(t, nil, true)
	inter := issue(t, root, true)
	leaf := issue(t, inter, false, "meet.example.com")
	roots := x509.NewCertPool()
	roots.AddCert(root.cert)
	self := issue(t, nil, false, "meet.example.com")
	now := time.Now()
	tests := []struct {
		name string
		cert *tls.Certificate
		host string
		now  time.Time
		want string // substring of the joined problems; "" = none
	}{
		{"full chain", chainOf(leaf, inter), "meet.example.com", now, ""},
		{"leaf only", chainOf(leaf), "meet.example.com", now, "intermediate certificates"},
		{"wrong host", chainOf(leaf, inter), "other.example.com", now, "not for other.example.com"},
		{"expired", chainOf(leaf, inter), "meet.example.com", now.Add(100 * 24 * time.Hour), "expired"},
		{"expires soon", chainOf(leaf, inter), "meet.example.com", now.Add(80 * 24 * time.Hour), "expires soon"},
		{"self-signed", chainOf(self), "meet.example.com", now, "self-signed"},
		{"untrusted issuer", chainOf(issue(t, issue(t, nil, true), false, "meet.example.com"), inter), "meet.example.com", now, "not trusted"},
		{"empty", &tls.Certificate{}, "meet.example.com", now, "no certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(checkChain(tt.cert, tt.host, roots, tt.now), "; ")
			if tt.want == "" && got != "" || !strings.Contains(got, tt.want) {
				t.Errorf("checkChain = %q, want %q", got, tt.want)
			}
		})
	}
}
