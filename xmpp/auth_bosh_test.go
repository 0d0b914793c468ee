package xmpp

import (
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// boshOpen creates a BOSH session and returns the client and the first
// response (features, or a terminate).
func boshOpen(t *testing.T, url string) (*boshClient, *boshBody) {
	t.Helper()
	b := &boshClient{t: t, url: url, rid: 2000}
	r := b.post(`<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="2000" to="localhost" ` +
		`wait="1" hold="1" ver="1.6" xmpp:version="1.0" content="text/xml; charset=utf-8"/>`)
	b.sid = r.attr("sid")
	return b, r
}

// TestBOSHTokenAndLimits: a token on the BOSH URL is checked like on the
// WebSocket, and BOSH sessions count against the per-address cap.
func TestBOSHTokenAndLimits(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withJWT(true), func(c *Config) { c.Limits.ConnsPerIP = 2 })
	base := env.boshServer()
	good := signHS(t, goodClaims(), []byte(testSecret))
	for _, tc := range []struct {
		name, query string
		ok          bool
	}{
		{"valid token", "?room=room1&token=" + good, true},
		{"expired token", "?token=" + signHS(t, with(goodClaims(), "exp", time.Now().Add(-time.Hour).Unix()), []byte(testSecret)), false},
		{"no token", "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b, r := boshOpen(t, base+tc.query)
			b.recvUntil("features", r, func(e *dom.Element) bool { return e.Is(ns.Streams, "features") })
			r = b.send("", `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`)
			e := b.recvUntil("SASL answer", r, func(e *dom.Element) bool { return e.Space == ns.SASL })
			if tc.ok != e.Is(ns.SASL, "success") {
				t.Fatalf("got %s", e)
			}
			b.send(`type="terminate"`, "")
		})
	}
	waitFor(t, "terminated sessions released", func() bool {
		a, r := boshOpen(t, base+"?token="+good)
		if r.attr("type") == "terminate" {
			return false
		}
		b, r2 := boshOpen(t, base+"?token="+good)
		ok := r2.attr("type") != "terminate"
		_, r3 := boshOpen(t, base+"?token="+good)
		if r3.attr("type") != "terminate" || r3.attr("condition") != "policy-violation" {
			t.Fatalf("third BOSH session from one address: %v", r3.attrs)
		}
		a.send(`type="terminate"`, "")
		if ok {
			b.send(`type="terminate"`, "")
		}
		return ok
	})
}
