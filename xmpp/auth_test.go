package xmpp

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"mellium.im/sasl"

	"meetd/xmpp/ns"
)

func withAccounts(accs ...Account) func(*Config) {
	return func(c *Config) { c.Auth.Accounts = accs }
}

func TestSCRAMLogin(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withAccounts(account(t, "alice@localhost", "s3cret pässword", false)))
	tests := []struct {
		name     string
		mech     sasl.Mechanism
		user, pw string
		ok       bool
	}{
		{"sha-256", sasl.ScramSha256, "alice", "s3cret pässword", true},
		{"sha-1", sasl.ScramSha1, "alice", "s3cret pässword", true},
		{"wrong password", sasl.ScramSha256, "alice", "guess", false},
		{"unknown user", sasl.ScramSha1, "mallory", "guess", false},
		{"empty password", sasl.ScramSha256, "alice", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := env.dialQ("", "")
			mechs := c.openStream("localhost")
			if !slices.Equal(mechs, []string{"ANONYMOUS", "SCRAM-SHA-256", "SCRAM-SHA-1"}) {
				t.Fatalf("mechanisms %v (PLAIN must not be offered without TLS)", mechs)
			}
			e := c.scram(tc.mech, tc.user, tc.pw)
			if !tc.ok {
				cond, text := failureText(e)
				if cond != "not-allowed" || text != textBadCredentials {
					t.Fatalf("failure %s", e)
				}
				return
			}
			if !e.Is(ns.SASL, "success") {
				t.Fatalf("want success, got %s", e)
			}
			if j := c.bindAfterSASL("localhost"); !strings.HasPrefix(j, "alice@localhost/") {
				t.Fatalf("bound %q", j)
			}
			c.ping("p")
		})
	}
}

// TestFailureFormat: lib-jitsi-meet reads the reason with a regex that
// needs <not-allowed/> directly followed by a bare <text>.
func TestFailureFormat(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withAccounts(account(t, "alice@localhost", "pw-pw-pw", false)))
	c, _ := env.dialQ("", "")
	c.openStream("localhost")
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="PLAIN">AGFsaWNlAG5vcGU=</auth>`)
	c.recv() // invalid-mechanism: PLAIN is not offered without TLS
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="SCRAM-SHA-256">biwsbj1hbGljZSxyPWFiYw==</auth>`)
	c.recv() // challenge
	c.send(`<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">Yz1iaXdzLHI9eA==</response>`)
	raw := c.recvRaw()
	// The element is compared as a browser's serializer writes it.
	norm := regexp.MustCompile(`<([a-z-]+)></([a-z-]+)>`).ReplaceAllString(raw, "<$1/>")
	re := regexp.MustCompile(`<failure.*><not-allowed/><text>(.*)</text></failure>`)
	if m := re.FindStringSubmatch(norm); m == nil || m[1] == "" {
		t.Fatalf("failure %q does not match lib-jitsi-meet's FAILURE_REGEX", raw)
	}
}

func TestPlainOnlyOverTLS(t *testing.T) {
	leakCheck(t)
	acc := withAccounts(account(t, "bob@localhost", "hunter2hunter2", true))
	plain := func(user, pw string) []byte { return []byte("\x00" + user + "\x00" + pw) }
	t.Run("refused without TLS", func(t *testing.T) {
		env := newEnv(t, acc)
		c, _ := env.dialQ("", "")
		c.openStream("localhost")
		if cond, _ := failureText(c.auth("PLAIN", plain("bob", "hunter2hunter2"))); cond != "invalid-mechanism" {
			t.Fatalf("PLAIN over plain HTTP: %s", cond)
		}
	})
	env := newTLSEnv(t, acc)
	tests := []struct {
		name string
		data []byte
		ok   bool
	}{
		{"good", plain("bob", "hunter2hunter2"), true},
		{"authzid is the user", []byte("bob@localhost\x00bob\x00hunter2hunter2"), true},
		{"wrong password", plain("bob", "hunter3"), false},
		{"other authzid", []byte("alice@localhost\x00bob\x00hunter2hunter2"), false},
		{"no separators", []byte("bobhunter2"), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := env.dialQ("", "")
			if mechs := c.openStream("localhost"); !slices.Contains(mechs, "PLAIN") {
				t.Fatalf("PLAIN not offered over TLS: %v", mechs)
			}
			e := c.auth("PLAIN", tc.data)
			if tc.ok != e.Is(ns.SASL, "success") {
				t.Fatalf("got %s", e)
			}
			if tc.ok {
				c.bindAfterSASL("localhost")
				c.ping("p")
			}
		})
	}
}

// TestServiceAccount: a service account logs in on the auth domain, where
// ANONYMOUS is not offered.
func TestServiceAccount(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withAccounts(account(t, "jibri@auth.localhost", "jibri-secret", false)))
	c, _ := env.dialQ("", "")
	if mechs := c.openStream("auth.localhost"); slices.Contains(mechs, "ANONYMOUS") || !slices.Contains(mechs, "SCRAM-SHA-1") {
		t.Fatalf("auth domain mechanisms %v", mechs)
	}
	if e := c.auth("ANONYMOUS", nil); !e.Is(ns.SASL, "failure") {
		t.Fatalf("anonymous on the auth domain: %s", e)
	}
	if e := c.scram(sasl.ScramSha1, "jibri", "jibri-secret"); !e.Is(ns.SASL, "success") {
		t.Fatalf("service login: %s", e)
	}
	if j := c.bindAfterSASL("auth.localhost"); !strings.HasPrefix(j, "jibri@auth.localhost/") {
		t.Fatalf("bound %q", j)
	}
	// A guest stream on the main host knows no jibri account.
	g, _ := env.dialQ("", "")
	g.openStream("localhost")
	if e := g.scram(sasl.ScramSha1, "jibri", "jibri-secret"); !e.Is(ns.SASL, "failure") {
		t.Fatalf("service account accepted on the main host")
	}
}

func TestDenyAnonymous(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, func(c *Config) { c.Auth.DenyAnonymous = true }, withAccounts(account(t, "alice@localhost", "pw-pw-pw", false)))
	c, _ := env.dialQ("", "")
	if mechs := c.openStream("localhost"); slices.Contains(mechs, "ANONYMOUS") {
		t.Fatalf("ANONYMOUS offered: %v", mechs)
	}
	if cond, _ := failureText(c.auth("ANONYMOUS", nil)); cond != "invalid-mechanism" {
		t.Fatalf("anonymous login: %s", cond)
	}
}

// TestRepeatedFailuresEndStream: a password guesser loses its stream.
func TestRepeatedFailuresEndStream(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withAccounts(account(t, "alice@localhost", "pw-pw-pw", false)))
	c, _ := env.dialQ("", "")
	c.openStream("localhost")
	for i := 0; i < maxLoginFailures-1; i++ {
		c.scram(sasl.ScramSha256, "alice", "guess")
	}
	c.auth("PLAIN", []byte("x")) // not offered: no failure counted
	neg := sasl.NewClient(sasl.ScramSha256, sasl.Credentials(func() ([]byte, []byte, []byte) {
		return []byte("alice"), []byte("guess"), nil
	}))
	_, first, _ := neg.Step(nil)
	c.auth("SCRAM-SHA-256", first)
	c.send(`<response xmlns="urn:ietf:params:xml:ns:xmpp-sasl">Yz1iaXdzLHI9eA==</response>`)
	if cond := c.expectStreamError(); cond != "policy-violation" {
		t.Fatalf("stream error %q", cond)
	}
}

func TestHashPassword(t *testing.T) {
	h, err := HashPassword("pw", 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := parseHash(h); err != nil {
		t.Fatalf("own hash refused: %v", err)
	}
	if _, err := HashPassword("pw", 10); err == nil {
		t.Fatal("10 iterations accepted")
	}
	for _, bad := range []string{"", "pbkdf2:1:a:b:c", "md5:4096:AAAAAAAAAAA=:x:y", strings.Replace(h, ":", "", 1), h[:len(h)-4]} {
		if _, err := parseHash(bad); err == nil {
			t.Errorf("hash %q accepted", bad)
		}
	}
	if _, err := NewServer(func() Config {
		c := testConfig()
		c.Auth.Accounts = []Account{{JID: "x@example.org", PasswordHash: h}}
		return c
	}()); err == nil {
		t.Fatal("account on a foreign host accepted")
	}
}
