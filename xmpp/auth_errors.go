package xmpp

import "errors"

// Login errors. Their texts go to the client in the SASL failure, so they
// carry no detail beyond what the client sent.
var (
	errTokenTooLarge  = errors.New("token too large")
	errTokenMalformed = errors.New("token malformed")
	errTokenAlgorithm = errors.New("token algorithm not accepted")
	errTokenSignature = errors.New("token signature invalid")
	errTokenExpired   = errors.New("token expired")
	errTokenNotYet    = errors.New("token not valid yet")
	errTokenClaims    = errors.New("token lacks a required claim")
	errTokenIssuer    = errors.New("token issuer not accepted")
	errTokenAudience  = errors.New("token audience not accepted")
	errTokenRoom      = errors.New("token has no room claim")
	errTokenRequired  = errors.New("a token is required")
)
