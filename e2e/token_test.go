package e2e

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const tokenSecret = "e2e-secret-0123456789"

func e2eToken(t *testing.T, room string, moderator bool, exp time.Duration) string {
	t.Helper()
	c := jwt.MapClaims{"iss": "meetd-e2e", "aud": "jitsi", "room": room, "moderator": moderator,
		"exp":     time.Now().Add(exp).Unix(),
		"context": map[string]any{"user": map[string]any{"id": "u", "name": "Token User"}}}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString([]byte(tokenSecret))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTokenLogin: with token auth required, lib-jitsi-meet connects with a JWT on the connection URL;
// a moderator token makes that user moderator, a plain one does not; an expired token fails the
// connection with the library's password-required error and the server's reason.
func TestTokenLogin(t *testing.T) {
	s := newSessionConfig(t, "[auth]", "allow_anonymous = false", `jwt_app_id = "meetd-e2e"`,
		`jwt_secret = "`+tokenSecret+`"`)
	s.tokens = map[int]string{
		0: e2eToken(t, "tokenroom", true, time.Hour),
		1: e2eToken(t, "tokenroom", false, time.Hour),
		2: e2eToken(t, "tokenroom", false, -time.Hour),
	}
	for _, p := range []int{0, 1, 2} {
		s.join(p, "tokenroom")
	}
	ids := s.waitJoined([]int{0, 1})
	s.waitPeers([]int{0, 1}, ids)
	for p, want := range map[int]bool{0: true, 1: false} {
		st, err := s.status(p)
		if err != nil {
			t.Fatal(err)
		}
		if st.Moderator != want {
			t.Errorf("page %d moderator %v, want %v", p, st.Moderator, want)
		}
	}
	err := poll(joinLimit, func() (bool, error) {
		st, err := s.status(2)
		if err != nil {
			return false, err
		}
		for _, e := range st.Errors {
			if strings.Contains(e, "passwordRequired") {
				// The reason is what the library's FAILURE_REGEX read from the SASL failure.
				if !strings.Contains(e, "token expired") {
					t.Fatalf("page 2 failed without the server's reason: %s", e)
				}
				return true, nil
			}
		}
		if st.Stage == "joined" {
			t.Fatal("page 2 joined with an expired token")
		}
		return false, nil
	})
	if err != nil {
		t.Fatalf("expired token: %v", err)
	}
}
