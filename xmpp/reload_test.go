package xmpp

import (
	"net/http"
	"slices"
	"testing"

	"mellium.im/sasl"

	"meetd/xmpp/ns"
)

// TestReload is the xmpp half of issue 11 defect 7: accounts, anonymous
// logins and limits change on a running server; a session logged in before
// stays; an invalid account list is refused and the old settings stay.
func TestReload(t *testing.T) {
	leakCheck(t)
	env := newEnv(t, withAccounts(account(t, "alice@localhost", "old-password", false)))
	before, _ := env.dialQ("", "127.0.0.1")
	before.login() // anonymous, before the reload
	auth := Auth{DenyAnonymous: true, Accounts: []Account{account(t, "bob@localhost", "new-password", false)}}
	if err := env.srv.Reload(auth, Limits{ConnsPerIP: 2}); err != nil {
		t.Fatalf("Reload: %v", err)
	}
	c, _ := env.dialQ("", "127.0.0.2")
	if mechs := c.openStream("localhost"); slices.Contains(mechs, "ANONYMOUS") {
		t.Fatalf("ANONYMOUS still offered after the reload: %v", mechs)
	}
	if e := c.scram(sasl.ScramSha256, "alice", "old-password"); e.Is(ns.SASL, "success") {
		t.Fatal("the removed account still logs in")
	}
	c, _ = env.dialQ("", "127.0.0.2")
	c.openStream("localhost")
	if e := c.scram(sasl.ScramSha256, "bob", "new-password"); !e.Is(ns.SASL, "success") {
		t.Fatalf("the added account: %s", e)
	}
	c.bindAfterSASL("localhost")
	if _, code := env.dialQ("", "127.0.0.2"); code != http.StatusTooManyRequests {
		t.Fatalf("3rd connection of an address with connections_per_ip 2: %d", code)
	}
	bad := Auth{Accounts: []Account{{JID: "not a jid@@", PasswordHash: "x"}}}
	if err := env.srv.Reload(bad, Limits{}); err == nil {
		t.Fatal("an invalid account list was accepted")
	}
	c, _ = env.dialQ("", "127.0.0.3")
	if mechs := c.openStream("localhost"); slices.Contains(mechs, "ANONYMOUS") {
		t.Fatalf("the refused reload changed the settings: %v", mechs)
	}
	before.ping("alive")
}
