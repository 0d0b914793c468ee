package xmpp

import (
	"crypto/rsa"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Token limits and clock skew.
const (
	maxTokenBytes = 8 << 10
	tokenLeeway   = 30 * time.Second
)

// JWT configures Jitsi-style token logins: the client passes a JWT as
// ?token= on the WebSocket or BOSH URL and logs in with SASL ANONYMOUS.
// Each key is pinned to its algorithm: Secret verifies only HS256 tokens,
// PublicKey only RS256 tokens. With neither set, tokens are ignored.
type JWT struct {
	// AppID is the application id; it is the accepted issuer when
	// AcceptedIssuers is empty.
	AppID string
	// Secret is the HS256 shared secret.
	Secret []byte
	// PublicKey verifies RS256 tokens.
	PublicKey *rsa.PublicKey
	// AcceptedIssuers lists the allowed `iss` values; "*" allows any.
	AcceptedIssuers []string
	// AcceptedAudiences lists the allowed `aud` values; "*" allows any.
	// Empty means "jitsi" and AppID.
	AcceptedAudiences []string
}

func (j JWT) enabled() bool { return len(j.Secret) > 0 || j.PublicKey != nil }

func (j JWT) validate() error {
	if !j.enabled() {
		return nil
	}
	if j.AppID == "" && len(j.AcceptedIssuers) == 0 {
		return fmt.Errorf("%w: a JWT key needs an app id or accepted issuers", ErrBadConfig)
	}
	if len(j.Secret) > 0 && len(j.Secret) < 16 {
		return fmt.Errorf("%w: the JWT secret must have at least 16 bytes", ErrBadConfig)
	}
	return nil
}

// tokenUser is context.user of a Jitsi token.
type tokenUser struct {
	ID          any    `json:"id"`
	Name        string `json:"name"`
	Email       string `json:"email"`
	Avatar      string `json:"avatar"`
	Moderator   any    `json:"moderator"`
	Affiliation string `json:"affiliation"`
}

// tokenClaims are the claims meetd reads.
type tokenClaims struct {
	jwt.RegisteredClaims
	Room      string `json:"room"`
	Moderator any    `json:"moderator"`
	Context   struct {
		User  *tokenUser `json:"user"`
		Group any        `json:"group"`
	} `json:"context"`
}

// tokenGrant is what a valid token allows.
type tokenGrant struct {
	room      string // room localpart, or "*" for any room
	moderator bool
	user      *tokenUser
	group     string
}

// tokenVerifier checks tokens against a JWT configuration.
type tokenVerifier struct {
	cfg       JWT
	issuers   []string
	audiences []string
	now       func() time.Time
}

func newTokenVerifier(cfg JWT) *tokenVerifier {
	v := &tokenVerifier{cfg: cfg, issuers: cfg.AcceptedIssuers, audiences: cfg.AcceptedAudiences, now: time.Now}
	if len(v.issuers) == 0 {
		v.issuers = []string{cfg.AppID}
	}
	if len(v.audiences) == 0 {
		v.audiences = []string{"jitsi", cfg.AppID}
	}
	return v
}

// methods lists the algorithms of the configured keys.
func (v *tokenVerifier) methods() []string {
	var m []string
	if len(v.cfg.Secret) > 0 {
		m = append(m, jwt.SigningMethodHS256.Alg())
	}
	if v.cfg.PublicKey != nil {
		m = append(m, jwt.SigningMethodRS256.Alg())
	}
	return m
}

// key returns the key pinned to the token's algorithm.
func (v *tokenVerifier) key(t *jwt.Token) (any, error) {
	switch {
	case t.Method == jwt.SigningMethodHS256 && len(v.cfg.Secret) > 0:
		return v.cfg.Secret, nil
	case t.Method == jwt.SigningMethodRS256 && v.cfg.PublicKey != nil:
		return v.cfg.PublicKey, nil
	}
	return nil, errTokenAlgorithm
}

// verify checks signature, algorithm, exp, nbf, iss, aud and the room
// claim. The error is safe to show to the client.
func (v *tokenVerifier) verify(s string) (*tokenGrant, error) {
	if len(s) > maxTokenBytes {
		return nil, errTokenTooLarge
	}
	var c tokenClaims
	p := jwt.NewParser(jwt.WithValidMethods(v.methods()), jwt.WithExpirationRequired(),
		jwt.WithLeeway(tokenLeeway), jwt.WithTimeFunc(v.now))
	if _, err := p.ParseWithClaims(s, &c, v.key); err != nil {
		return nil, tokenError(err)
	}
	if !accepts(v.issuers, c.Issuer) {
		return nil, errTokenIssuer
	}
	if !slices.ContainsFunc(c.Audience, func(a string) bool { return accepts(v.audiences, a) }) {
		return nil, errTokenAudience
	}
	if c.Room == "" {
		return nil, errTokenRoom
	}
	g := &tokenGrant{room: strings.ToLower(c.Room), user: c.Context.User}
	g.moderator = truthy(c.Moderator)
	if u := c.Context.User; u != nil {
		g.moderator = g.moderator || truthy(u.Moderator) ||
			u.Affiliation == "owner" || u.Affiliation == "moderator" || u.Affiliation == "teacher"
	}
	if s, ok := c.Context.Group.(string); ok {
		g.group = s
	}
	return g, nil
}

// allows reports whether the grant covers room (a localpart).
func (g *tokenGrant) allows(room string) bool {
	return g.room == "*" || g.room == strings.ToLower(room)
}

// same reports whether o grants what g does, for the same user: a stream
// resuming a token session must hold such a token.
func (g *tokenGrant) same(o *tokenGrant) bool {
	if g == nil || o == nil {
		return g == o
	}
	if g.room != o.room || g.moderator != o.moderator || g.group != o.group || (g.user == nil) != (o.user == nil) {
		return false
	}
	return g.user == nil || fmt.Sprint(g.user.ID) == fmt.Sprint(o.user.ID)
}

func accepts(list []string, v string) bool {
	return v != "" && (slices.Contains(list, "*") || slices.Contains(list, v))
}

// truthy reads Jitsi's boolean claims, which come as JSON booleans or strings.
func truthy(v any) bool {
	switch x := v.(type) {
	case bool:
		return x
	case string:
		return x == "true"
	}
	return false
}

// tokenError maps a library error to one of ours, whose text is safe for
// the client.
func tokenError(err error) error {
	switch {
	case errors.Is(err, errTokenAlgorithm):
		return errTokenAlgorithm
	case errors.Is(err, jwt.ErrTokenExpired):
		return errTokenExpired
	case errors.Is(err, jwt.ErrTokenNotValidYet):
		return errTokenNotYet
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing):
		return errTokenClaims
	case errors.Is(err, jwt.ErrTokenSignatureInvalid), errors.Is(err, jwt.ErrTokenUnverifiable):
		return errTokenSignature
	}
	return errTokenMalformed
}
