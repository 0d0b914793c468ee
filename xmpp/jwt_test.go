package xmpp

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const testSecret = "0123456789abcdef0123456789abcdef"

type claims = jwt.MapClaims

func goodClaims() claims {
	return claims{"iss": "meetd-app", "aud": "jitsi", "room": "room1", "sub": "localhost",
		"exp":     time.Now().Add(time.Hour).Unix(),
		"context": map[string]any{"user": map[string]any{"id": "u1", "name": "Ada", "avatar": "https://a/x.png"}}}
}

func with(c claims, kv ...any) claims {
	out := claims{}
	for k, v := range c {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == nil {
			delete(out, kv[i].(string))
			continue
		}
		out[kv[i].(string)] = kv[i+1]
	}
	return out
}

func signHS(t *testing.T, c claims, key []byte) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func signRS(t *testing.T, c claims, key *rsa.PrivateKey) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodRS256, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func unsigned(t *testing.T, c claims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// TestTokenVerify covers docs/bad-input.md#a1 at the verifier.
func TestTokenVerify(t *testing.T) {
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	pubPEM := pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: must(x509.MarshalPKIXPublicKey(&rsaKey.PublicKey))})
	hs := newTokenVerifier(JWT{AppID: "meetd-app", Secret: []byte(testSecret)})
	rs := newTokenVerifier(JWT{AppID: "meetd-app", PublicKey: &rsaKey.PublicKey})
	tests := []struct {
		name  string
		v     *tokenVerifier
		token string
		want  error
	}{
		{"valid HS256", hs, signHS(t, goodClaims(), []byte(testSecret)), nil},
		{"valid RS256", rs, signRS(t, goodClaims(), rsaKey), nil},
		{"alg none", hs, unsigned(t, goodClaims()), errTokenSignature},
		{"HS256 where RS256 is configured", rs, signHS(t, goodClaims(), []byte(testSecret)), errTokenSignature},
		{"HS256 keyed with the RSA public key", rs, signHS(t, goodClaims(), pubPEM), errTokenSignature},
		{"RS256 where HS256 is configured", hs, signRS(t, goodClaims(), rsaKey), errTokenSignature},
		{"wrong secret", hs, signHS(t, goodClaims(), []byte("another secret, long enough")), errTokenSignature},
		{"expired", hs, signHS(t, with(goodClaims(), "exp", time.Now().Add(-time.Hour).Unix()), []byte(testSecret)), errTokenExpired},
		{"no exp", hs, signHS(t, with(goodClaims(), "exp", nil), []byte(testSecret)), errTokenClaims},
		{"nbf in the future", hs, signHS(t, with(goodClaims(), "nbf", time.Now().Add(time.Hour).Unix()), []byte(testSecret)), errTokenNotYet},
		{"wrong aud", hs, signHS(t, with(goodClaims(), "aud", "other"), []byte(testSecret)), errTokenAudience},
		{"no aud", hs, signHS(t, with(goodClaims(), "aud", nil), []byte(testSecret)), errTokenAudience},
		{"wrong iss", hs, signHS(t, with(goodClaims(), "iss", "evil"), []byte(testSecret)), errTokenIssuer},
		{"no room", hs, signHS(t, with(goodClaims(), "room", nil), []byte(testSecret)), errTokenRoom},
		{"garbage without dots", hs, "not-a-token-at-all", errTokenMalformed},
		{"bad base64", hs, "a.b.c", errTokenMalformed},
		{"1 MB token", hs, strings.Repeat("a", 1<<20), errTokenTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g, err := tc.v.verify(tc.token)
			if err != tc.want {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if err == nil && (!g.allows("room1") || g.allows("room2")) {
				t.Fatalf("grant rooms wrong: %+v", g)
			}
		})
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestTokenModeratorAndIdentity(t *testing.T) {
	v := newTokenVerifier(JWT{AppID: "meetd-app", Secret: []byte(testSecret), AcceptedAudiences: []string{"*"}})
	for _, tc := range []struct {
		name string
		c    claims
		mod  bool
	}{
		{"plain", goodClaims(), false},
		{"moderator claim", with(goodClaims(), "moderator", true), true},
		{"moderator string", with(goodClaims(), "moderator", "true"), true},
		{"affiliation owner", with(goodClaims(), "context", map[string]any{"user": map[string]any{"affiliation": "owner"}}), true},
		{"any room", with(goodClaims(), "room", "*", "aud", "whatever"), false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			g, err := v.verify(signHS(t, tc.c, []byte(testSecret)))
			if err != nil || g.moderator != tc.mod {
				t.Fatalf("grant %+v, %v", g, err)
			}
		})
	}
	g, _ := v.verify(signHS(t, goodClaims(), []byte(testSecret)))
	id := g.identity()
	if u := id.Child(ns.Client, "user"); u.Child(ns.Client, "name").Text != "Ada" || u.Child(ns.Client, "id").Text != "u1" {
		t.Fatalf("identity %s", id)
	}
}

func withJWT(deny bool) func(*Config) {
	return func(c *Config) {
		c.Auth.JWT = JWT{AppID: "meetd-app", Secret: []byte(testSecret)}
		c.Auth.DenyAnonymous = deny
	}
}

// TestTokenLogin covers A1 end to end: a token on the WebSocket URL logs
// in; bad or missing tokens get the failure lib-jitsi-meet shows; a token
// for room1 does not open room2.
func TestTokenLogin(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withJWT(true))
	focus := focusRoom(t, env)
	bystander, _ := env.dialQ("token="+signHS(t, goodClaims(), []byte(testSecret)), "")
	bystander.openStream("localhost")
	bystander.auth("ANONYMOUS", nil)
	bystander.bindAfterSASL("localhost")
	bad := []struct{ name, token, text string }{
		{"none", "", errTokenRequired.Error()},
		{"expired", signHS(t, with(goodClaims(), "exp", time.Now().Add(-time.Hour).Unix()), []byte(testSecret)), errTokenExpired.Error()},
		{"alg none", unsigned(t, goodClaims()), errTokenSignature.Error()},
		{"garbage", "xxx", errTokenMalformed.Error()},
		{"large", strings.Repeat("a", 100<<10), errTokenTooLarge.Error()},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := env.dialQ("room=room1&token="+tc.token, "")
			c.openStream("localhost")
			cond, text := failureText(c.auth("ANONYMOUS", nil))
			if cond != "not-allowed" || text != tc.text {
				t.Fatalf("failure %s %q, want not-allowed %q", cond, text, tc.text)
			}
			bystander.ping("alive-" + tc.name)
		})
	}
	t.Run("valid token, wrong room", func(t *testing.T) {
		c, _ := env.dialQ("token="+signHS(t, with(goodClaims(), "moderator", true), []byte(testSecret)), "")
		c.openStream("localhost")
		c.auth("ANONYMOUS", nil)
		c.bindAfterSASL("localhost")
		c.send(`<iq xmlns="jabber:client" type="set" to="focus.localhost" id="c2"><conference xmlns="http://jitsi.org/protocol/focus" room="room2@conference.localhost"/></iq>`)
		if r := c.recvID("c2"); r.Child(ns.Client, "error").Child(ns.StanzaErr, "not-authorized") == nil {
			t.Fatalf("conference IQ for room2: %s", r)
		}
		c.send(`<iq xmlns="jabber:client" type="set" to="focus.localhost" id="c1"><conference xmlns="http://jitsi.org/protocol/focus" room="room1@conference.localhost"/></iq>`)
		iq := recvLocalWhere(t, focus, "conference IQ", func(e *dom.Element) bool { return e.Attr("id") == "c1" })
		sendLocal(t, focus, `<iq xmlns="jabber:client" type="result" from="focus.localhost" to="`+iq.Attr("from")+`" id="c1"/>`)
		c.recvID("c1")
		c.send(joinPresence(room + "/ada"))
		self := c.recvWhere("self presence", isSelfPresence)
		if it := mucItem(self); it.Attr("affiliation") != "owner" || it.Attr("role") != "moderator" {
			t.Fatalf("token moderator item %s", it)
		}
		if self.Child(ns.Client, "identity").Child(ns.Client, "user").Child(ns.Client, "name").Text != "Ada" {
			t.Fatalf("identity missing: %s", self)
		}
	})
	t.Run("token for room2 joins room1", func(t *testing.T) {
		c, _ := env.dialQ("token="+signHS(t, with(goodClaims(), "room", "room2"), []byte(testSecret)), "")
		c.openStream("localhost")
		c.auth("ANONYMOUS", nil)
		c.bindAfterSASL("localhost")
		c.send(joinPresence(room + "/mallory"))
		e := c.recvWhere("join error", func(e *dom.Element) bool { return e.Attr("type") == "error" })
		if e.Child(ns.Client, "error").Child(ns.StanzaErr, "not-allowed") == nil {
			t.Fatalf("join with a token for another room: %s", e)
		}
		bystander.ping("still-alive")
	})
}
