package xmpp

import (
	"testing"
	"time"
)

// FuzzTokenVerify feeds arbitrary tokens (the ?token= URL parameter) to
// the verifier: it must reject or accept, never panic.
func FuzzTokenVerify(f *testing.F) {
	v := newTokenVerifier(JWT{AppID: "meetd-app", Secret: []byte(testSecret)})
	v.now = func() time.Time { return time.Unix(1700000000, 0) }
	f.Add("eyJhbGciOiJub25lIn0.eyJyb29tIjoiKiJ9.")
	f.Add("a.b.c")
	f.Add("eyJhbGciOiJIUzI1NiJ9.eyJjb250ZXh0Ijp7InVzZXIiOnsiaWQiOjEuNWUzMDAsIm1vZGVyYXRvciI6W119fX0.x")
	f.Fuzz(func(t *testing.T, token string) {
		if g, err := v.verify(token); err == nil {
			_ = g.identity()
		}
	})
}
