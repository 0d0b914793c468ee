package xmpp

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"mellium.im/sasl"
	"mellium.im/xmpp/jid"
)

// Password hashes are "pbkdf2:<iterations>:<salt>:<sha1>:<sha256>" with
// base64 salt and the SCRAM salted passwords (PBKDF2 of the password) for
// SHA-1 and SHA-256. They let the server run SCRAM-SHA-1, SCRAM-SHA-256
// and PLAIN without knowing the password.
const (
	hashPrefix = "pbkdf2"
	// DefaultHashIterations is the PBKDF2 iteration count HashPassword uses
	// for 0.
	DefaultHashIterations = 10000
	minHashIterations     = 4096 // RFC 7677 §4
	maxHashIterations     = 10_000_000
	saltBytes             = 16
)

// Account is a user who logs in with a password (SCRAM or PLAIN): a host,
// a moderator or a service account.
type Account struct {
	// JID is the bare JID: user@Domain, or user@AuthDomain for a service
	// account (exempt from the session and room limits).
	JID string
	// PasswordHash is what HashPassword (`meetd passwd`) printed.
	PasswordHash string
	// Moderator makes the user an owner of every conference room it joins.
	Moderator bool
}

// credential is a parsed password hash.
type credential struct {
	iter      int
	salt      []byte
	sha1      []byte
	sha256    []byte
	moderator bool
}

// HashPassword returns the stored form of password for Account.PasswordHash
// with a random salt; iterations 0 means DefaultHashIterations.
func HashPassword(password string, iterations int) (string, error) {
	if iterations == 0 {
		iterations = DefaultHashIterations
	}
	if iterations < minHashIterations || iterations > maxHashIterations {
		return "", fmt.Errorf("%w: iterations must be %d to %d", ErrBadConfig, minHashIterations, maxHashIterations)
	}
	salt := make([]byte, saltBytes)
	_, _ = rand.Read(salt)
	enc := base64.StdEncoding.EncodeToString
	return strings.Join([]string{hashPrefix, strconv.Itoa(iterations), enc(salt),
		enc(sasl.SCRAMSaltPassword(sha1.New, []byte(password), salt, iterations)),
		enc(sasl.SCRAMSaltPassword(sha256.New, []byte(password), salt, iterations)),
	}, ":"), nil
}

// parseHash checks and decodes a password hash.
func parseHash(s string) (credential, error) {
	parts := strings.Split(s, ":")
	if len(parts) != 5 || parts[0] != hashPrefix {
		return credential{}, fmt.Errorf("password hash must look like %s:<iterations>:<salt>:<sha1>:<sha256> (see meetd passwd)", hashPrefix)
	}
	var c credential
	var err error
	if c.iter, err = strconv.Atoi(parts[1]); err != nil || c.iter < minHashIterations || c.iter > maxHashIterations {
		return c, fmt.Errorf("password hash iterations must be %d to %d", minHashIterations, maxHashIterations)
	}
	dec := base64.StdEncoding.DecodeString
	c.salt, err = dec(parts[2])
	if err == nil {
		c.sha1, err = dec(parts[3])
	}
	if err == nil {
		c.sha256, err = dec(parts[4])
	}
	if err != nil || len(c.salt) < 8 || len(c.sha1) != sha1.Size || len(c.sha256) != sha256.Size {
		return c, fmt.Errorf("password hash is damaged")
	}
	return c, nil
}

// accounts holds the configured accounts by bare JID, and a key that makes
// up stable fake credentials for unknown users, so that SCRAM fails the
// same way for them as for a wrong password.
type accounts struct {
	byJID map[string]credential
	hosts map[string]bool // hosts with at least one account
	fake  []byte
}

func newAccounts(list []Account, hosts func(string) bool) (*accounts, error) {
	a := &accounts{byJID: make(map[string]credential, len(list)), hosts: map[string]bool{}, fake: make([]byte, 32)}
	_, _ = rand.Read(a.fake)
	for _, acc := range list {
		j, err := jid.Parse(acc.JID)
		if err != nil || j.Localpart() == "" || j.Resourcepart() != "" || !hosts(j.Domainpart()) {
			return nil, fmt.Errorf("%w: account %q must be user@<domain or auth domain>", ErrBadConfig, acc.JID)
		}
		c, err := parseHash(acc.PasswordHash)
		if err != nil {
			return nil, fmt.Errorf("%w: account %s: %w", ErrBadConfig, acc.JID, err)
		}
		if _, dup := a.byJID[j.String()]; dup {
			return nil, fmt.Errorf("%w: account %s defined twice", ErrBadConfig, acc.JID)
		}
		c.moderator = acc.Moderator
		a.byJID[j.String()] = c
		a.hosts[j.Domainpart()] = true
	}
	return a, nil
}

// lookup returns the account user@host; ok is false for unknown users and
// invalid names.
func (a *accounts) lookup(user, host string) (jid.JID, credential, bool) {
	j, err := jid.New(user, host, "")
	if err != nil || user == "" {
		return jid.JID{}, credential{}, false
	}
	c, ok := a.byJID[j.String()]
	return j, c, ok
}

// salted returns the salt, iterations and salted password of user for the
// SCRAM mechanism; for an unknown user, made-up values that no password
// matches.
func (a *accounts) salted(user, host, mech string) (salt, salted []byte, iter int64) {
	_, c, ok := a.lookup(user, host)
	if !ok {
		m := hmac.New(sha256.New, a.fake)
		m.Write([]byte(user + "@" + host))
		sum := m.Sum(nil)
		junk := make([]byte, sha256.Size)
		_, _ = rand.Read(junk)
		return sum[:saltBytes], junk, DefaultHashIterations
	}
	if mech == "SCRAM-SHA-1" {
		return c.salt, c.sha1, int64(c.iter)
	}
	return c.salt, c.sha256, int64(c.iter)
}

// checkPlain verifies a PLAIN password. It costs one PBKDF2 run whether or
// not the user exists.
func (a *accounts) checkPlain(user, host, password string) (jid.JID, credential, bool) {
	j, c, ok := a.lookup(user, host)
	salt, want, iter := a.salted(user, host, "SCRAM-SHA-256")
	got := sasl.SCRAMSaltPassword(sha256.New, []byte(password), salt, int(iter))
	match := subtle.ConstantTimeCompare(got, want) == 1
	return j, c, ok && match
}
