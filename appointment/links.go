package appointment

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Link windows: the client link works from ClientEarly before the start,
// the host link from HostEarly before; both until the end plus Grace.
const (
	DefaultClientEarly = 15 * time.Minute
	DefaultHostEarly   = 60 * time.Minute
	DefaultGrace       = 30 * time.Minute
)

// Links makes the host and client links of appointments: the room URL with
// a Jitsi token (?jwt=, the web app's and the mobile apps' convention),
// signed HS256 with the key the XMPP server verifies.
type Links struct {
	Base        *url.URL // the public https URL (no path)
	AppID       string   // the token issuer ([auth] jwt_app_id or KeyAppID)
	Secret      []byte   // HS256 key, at least 16 bytes
	ClientEarly time.Duration
	HostEarly   time.Duration
	Grace       time.Duration
}

// claims are the Jitsi token claims of an appointment link.
type claims struct {
	jwt.RegisteredClaims
	Room      string       `json:"room"`
	Moderator bool         `json:"moderator,omitempty"`
	Context   *linkContext `json:"context,omitempty"`
}

type linkContext struct {
	User linkUser `json:"user"`
}

type linkUser struct {
	Name        string `json:"name,omitempty"`
	Moderator   bool   `json:"moderator"`
	Affiliation string `json:"affiliation,omitempty"`
}

// Window returns when the client's link starts and stops working.
func (l Links) Window(a *Appointment) (from, until time.Time) {
	return a.Start.Add(-l.ClientEarly), a.End().Add(l.Grace)
}

// Client returns the client's link to a.
func (l Links) Client(a *Appointment) (string, error) {
	from, until := l.Window(a)
	return l.link(a, claims{RegisteredClaims: l.registered(a, from, until, "client")})
}

// Host returns the host's link to a: its token carries the moderator claim.
func (l Links) Host(a *Appointment) (string, error) {
	_, until := l.Window(a)
	c := claims{RegisteredClaims: l.registered(a, a.Start.Add(-l.HostEarly), until, "host"), Moderator: true,
		Context: &linkContext{User: linkUser{Name: a.Host, Moderator: true, Affiliation: "owner"}}}
	return l.link(a, c)
}

func (l Links) registered(a *Appointment, from, until time.Time, role string) jwt.RegisteredClaims {
	return jwt.RegisteredClaims{
		Issuer: l.AppID, Audience: jwt.ClaimStrings{"jitsi"}, Subject: l.Base.Hostname(),
		NotBefore: jwt.NewNumericDate(from), ExpiresAt: jwt.NewNumericDate(until),
		ID: fmt.Sprintf("%s-%d", role, a.ID),
	}
}

func (l Links) link(a *Appointment, c claims) (string, error) {
	if len(l.Secret) < 16 || l.Base == nil {
		return "", errors.New("appointment: links need the public URL and a signing key")
	}
	c.Room = a.Room
	tok, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(l.Secret)
	if err != nil {
		return "", fmt.Errorf("appointment: sign: %w", err)
	}
	u := *l.Base
	u.Path = "/" + a.Room
	u.RawQuery = url.Values{"jwt": {tok}}.Encode()
	return u.String(), nil
}

// KeyFile is the generated signing key's name in state_dir, used when
// [auth] has no jwt_secret; KeyAppID is its issuer.
const (
	KeyFile  = "appointments.key"
	KeyAppID = "meetd-appointments"
)

// LoadKey returns the signing key kept in stateDir, creating it (256 random
// bits, readable by the owner only) on first use.
func LoadKey(stateDir string) ([]byte, error) {
	path := filepath.Join(stateDir, KeyFile)
	b, err := os.ReadFile(path)
	if err == nil {
		key, derr := hex.DecodeString(strings.TrimSpace(string(b)))
		if derr != nil || len(key) < 16 {
			return nil, fmt.Errorf("appointment: %s: not a key meetd wrote", path)
		}
		return key, nil
	}
	if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	// Written whole to a temporary file, then linked into place: another
	// process (the CLI beside meetd) sees no key or the whole key.
	tmp, err := os.CreateTemp(stateDir, KeyFile+".*")
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	defer os.Remove(tmp.Name())
	_, werr := tmp.WriteString(hex.EncodeToString(key) + "\n")
	if cerr := tmp.Close(); werr != nil || cerr != nil {
		return nil, fmt.Errorf("appointment: writing %s: %w", path, errors.Join(werr, cerr))
	}
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return LoadKey(stateDir) // another process made it first
	} else if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	return key, nil
}
