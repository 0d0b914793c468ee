package xmpp

import (
	"testing"
	"time"
)

// TestTokenClockStep covers docs/bad-input.md#f8 for tokens: a token is
// judged with a small skew (tokenLeeway) around the server's clock, so a
// wall-clock step of a few seconds either way does not refuse a valid
// token, and a step beyond the leeway does not revive an expired one or
// admit one not yet valid.
func TestTokenClockStep(t *testing.T) {
	base := time.Unix(2_000_000_000, 0)
	exp := base.Add(time.Minute)
	tok := signHS(t, with(goodClaims(), "exp", exp.Unix(), "nbf", base.Unix()), []byte(testSecret))
	for _, tc := range []struct {
		name string
		now  time.Time
		ok   bool
	}{
		{"clock 10 s behind the nbf", base.Add(-10 * time.Second), true},
		{"clock 10 s past the expiry", exp.Add(10 * time.Second), true},
		{"clock 2 min past the expiry", exp.Add(2 * time.Minute), false},
		{"clock 2 min before the nbf", base.Add(-2 * time.Minute), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := newTokenVerifier(JWT{AppID: "meetd-app", Secret: []byte(testSecret)})
			v.now = func() time.Time { return tc.now }
			if _, err := v.verify(tok); (err == nil) != tc.ok {
				t.Fatalf("verify at %v: %v, want ok=%v", tc.now, err, tc.ok)
			}
		})
	}
}
