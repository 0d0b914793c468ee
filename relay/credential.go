package relay

import (
	"crypto/hmac"
	"crypto/sha1" //nolint:gosec // TURN REST credentials are defined as HMAC-SHA1
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	pturn "github.com/pion/turn/v5"
)

// Credential is a time-limited TURN credential in the TURN REST scheme
// (docs/networks.md "Credentials"): Username is "<expiry unix seconds>:<user>",
// Password is base64(HMAC-SHA1(secret, Username)).
type Credential struct {
	Username, Password string
	Expires            time.Time
}

// maxUserLen bounds the user part of a credential username.
const maxUserLen = 64

// Credential makes a credential for user valid for the configured TTL from now.
func (s *Server) Credential(user string, now time.Time) Credential {
	user = cleanUser(user)
	exp := now.Add(s.cfg.CredentialTTL).Truncate(time.Second)
	name := strconv.FormatInt(exp.Unix(), 10) + ":" + user
	return Credential{Username: name, Password: sign(s.secret, name), Expires: exp}
}

func sign(secret []byte, username string) string {
	m := hmac.New(sha1.New, secret)
	m.Write([]byte(username))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// cleanUser keeps a user name usable inside a TURN username: no colon, no
// control characters, bounded length.
func cleanUser(u string) string {
	u = strings.Map(func(r rune) rune {
		if r == ':' || r < 0x20 || r == 0x7f {
			return '_'
		}
		return r
	}, u)
	if len(u) > maxUserLen {
		u = u[:maxUserLen]
	}
	if u == "" {
		return "anonymous"
	}
	return u
}

// parseUsername splits "<expiry>:<user>"; ok is false for anything else.
func parseUsername(name string) (exp time.Time, user string, ok bool) {
	ts, user, found := strings.Cut(name, ":")
	if !found || user == "" || len(user) > maxUserLen {
		return time.Time{}, "", false
	}
	n, err := strconv.ParseInt(ts, 10, 64)
	if err != nil || n <= 0 {
		return time.Time{}, "", false
	}
	return time.Unix(n, 0), user, true
}

// authenticate is the pion AuthHandler: it accepts a username whose expiry
// is in the future (and not further than the TTL allows) and returns the
// long-term key derived from the HMAC password; pion then checks the
// request's MESSAGE-INTEGRITY with it, so a forged password fails there.
func (s *Server) authenticate(ra *pturn.RequestAttributes) (string, []byte, bool) {
	exp, user, ok := parseUsername(ra.Username)
	now := s.now()
	if !ok || !exp.After(now) || exp.After(now.Add(s.cfg.CredentialTTL+time.Minute)) {
		s.stats.authRefused.Add(1)
		return "", nil, false
	}
	return user, pturn.GenerateAuthKey(ra.Username, ra.Realm, sign(s.secret, ra.Username)), true
}
