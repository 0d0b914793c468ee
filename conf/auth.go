package conf

import (
	"fmt"
	"strings"
)

// Auth configures logins besides guests: password accounts and Jitsi-style
// JWT tokens (?token= on the connection URL).
type Auth struct {
	// AllowAnonymous lets guests log in without a token (SASL ANONYMOUS).
	// With false, the web app's users need a valid token or an account.
	AllowAnonymous bool `toml:"allow_anonymous"`
	// JWTAppID is the token application id, the accepted issuer unless
	// JWTAcceptedIssuers is set.
	JWTAppID string `toml:"jwt_app_id"`
	// JWTSecret verifies HS256 tokens (at least 16 bytes).
	JWTSecret string `toml:"jwt_secret"`
	// JWTPublicKeyFile is a PEM RSA public key that verifies RS256 tokens.
	JWTPublicKeyFile string `toml:"jwt_public_key_file"`
	// JWTAcceptedIssuers and JWTAcceptedAudiences list accepted iss and
	// aud values; "*" accepts any. Audiences default to "jitsi" and the
	// app id.
	JWTAcceptedIssuers   []string `toml:"jwt_accepted_issuers"`
	JWTAcceptedAudiences []string `toml:"jwt_accepted_audiences"`
	// Accounts log in with a password ([[auth.account]] tables; the entry
	// comes from `meetd passwd`).
	Accounts []Account `toml:"account"`
	// GuestsWaitForHost is Jitsi's "secure domain": a room starts only when
	// a host arrives (an account, or a token with the moderator claim);
	// guests who come earlier wait and join when the host is there, and
	// never become moderator by arriving first (docs/lobby.md).
	GuestsWaitForHost bool `toml:"guests_wait_for_host"`
}

// Account is a password login: a host or moderator on the main domain, or
// a service account on auth.<domain>.
type Account struct {
	JID          string `toml:"jid"`
	PasswordHash string `toml:"password_hash"`
	Moderator    bool   `toml:"moderator"`
}

func defaultAuth() Auth { return Auth{AllowAnonymous: true} }

func (a Auth) validate(addr Addresses, bad badFunc) {
	if a.JWTSecret != "" && len(a.JWTSecret) < 16 {
		bad("auth.jwt_secret", "must be at least 16 characters")
	}
	hasKey := a.JWTSecret != "" || a.JWTPublicKeyFile != ""
	if hasKey && a.JWTAppID == "" && len(a.JWTAcceptedIssuers) == 0 {
		bad("auth.jwt_app_id", "must be set (or jwt_accepted_issuers) when a JWT key is configured")
	}
	if !hasKey && (a.JWTAppID != "" || len(a.JWTAcceptedIssuers) > 0 || len(a.JWTAcceptedAudiences) > 0) {
		bad("auth.jwt_app_id", "token settings need jwt_secret or jwt_public_key_file")
	}
	seen := map[string]bool{}
	for i, acc := range a.Accounts {
		key := fmt.Sprintf("auth.account[%d]", i)
		user, host, ok := strings.Cut(acc.JID, "@")
		if !ok || user == "" || (host != addr.Domain && host != addr.Auth) {
			bad(key+".jid", "%q must be user@%s or user@%s", acc.JID, addr.Domain, addr.Auth)
		}
		if seen[acc.JID] {
			bad(key+".jid", "%q is defined twice", acc.JID)
		}
		seen[acc.JID] = true
		if parts := strings.Split(acc.PasswordHash, ":"); len(parts) != 5 || parts[0] != "pbkdf2" {
			bad(key+".password_hash", "must be the pbkdf2:… value `meetd passwd` prints")
		}
	}
}
