package web

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// expirySoon is when checkChain starts warning about the expiry date.
const expirySoon = 14 * 24 * time.Hour

// checkChain returns, in plain words, what a strict client (the Jitsi Meet
// mobile apps) would refuse in the chain served for host: wrong name,
// validity, a missing intermediate, a self-signed or untrusted issuer.
// roots nil means the system's roots.
func checkChain(cert *tls.Certificate, host string, roots *x509.CertPool, now time.Time) []string {
	if cert == nil || len(cert.Certificate) == 0 {
		return []string{"no certificate"}
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil {
		return []string{fmt.Sprintf("the certificate cannot be parsed: %v", err)}
	}
	var problems []string
	if err := leaf.VerifyHostname(host); err != nil {
		problems = append(problems, fmt.Sprintf("it is for %s, not for %s", strings.Join(leaf.DNSNames, ", "), host))
	}
	switch {
	case now.After(leaf.NotAfter):
		problems = append(problems, fmt.Sprintf("it expired on %s", leaf.NotAfter.Format(time.DateOnly)))
	case now.Before(leaf.NotBefore):
		problems = append(problems, fmt.Sprintf("it is not valid before %s (is the clock right?)", leaf.NotBefore.Format(time.RFC3339)))
	case leaf.NotAfter.Sub(now) < expirySoon:
		problems = append(problems, fmt.Sprintf("it expires soon, on %s", leaf.NotAfter.Format(time.DateOnly)))
	}
	if msg := verifyMessage(cert, leaf, roots, now); msg != "" {
		problems = append(problems, msg)
	}
	return problems
}

func verifyMessage(cert *tls.Certificate, leaf *x509.Certificate, roots *x509.CertPool, now time.Time) string {
	inter := x509.NewCertPool()
	for _, der := range cert.Certificate[1:] {
		if c, err := x509.ParseCertificate(der); err == nil {
			inter.AddCert(c)
		}
	}
	opts := x509.VerifyOptions{Roots: roots, Intermediates: inter, CurrentTime: now}
	_, err := leaf.Verify(opts)
	var unknown x509.UnknownAuthorityError
	switch {
	case err == nil:
		return ""
	case selfSigned(leaf):
		return "it is self-signed: browsers warn and the Jitsi Meet mobile apps refuse it"
	case errors.As(err, &unknown) && len(cert.Certificate) == 1:
		return "the file holds only the server's certificate; clients need the intermediate certificates too " +
			"(use the full chain, e.g. fullchain.pem)"
	case errors.As(err, &unknown):
		return fmt.Sprintf("its issuer %q is not trusted by this system's roots (nor, likely, by phones)", leaf.Issuer.CommonName)
	}
	if strings.Contains(err.Error(), "expired") {
		return "" // reported above
	}
	return fmt.Sprintf("it does not verify: %v", err)
}

// logChainCheck logs the outcome of checkChain for the certificate from what.
func logChainCheck(log *slog.Logger, what string, cert *tls.Certificate, host string, roots *x509.CertPool, now time.Time) {
	problems := checkChain(cert, host, roots, now)
	if len(problems) == 0 {
		log.Info("web: certificate chain checked", "source", what, "host", host)
		return
	}
	for _, p := range problems {
		log.Warn("web: certificate problem: "+p, "source", what, "host", host)
	}
}

// selfSigned: issued by itself (the meetd self-signed certificate is not a
// CA, so CheckSignatureFrom does not apply).
func selfSigned(c *x509.Certificate) bool {
	return bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignature(c.SignatureAlgorithm, c.RawTBSCertificate, c.Signature) == nil
}
