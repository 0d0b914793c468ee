package client

import (
	"testing"

	"meetd/internal/prosodytest"
)

// TestProsodyServer runs the same scenarios against Debian's prosody: the
// client must work with the standard Jitsi XMPP server, not only meetd's.
func TestProsodyServer(t *testing.T) {
	runScenarios(t, prosodyTarget(t))
}

// prosodyTarget runs prosody (internal/prosodytest) with the jvb account;
// kill restarts it (SIGKILL, then a fresh start on the same port).
func prosodyTarget(t *testing.T) target {
	t.Helper()
	p := prosodytest.Start(t, map[string]string{"jvb": "s3cret"})
	return target{
		addr: p.Addr, roots: p.Roots, jid: "jvb@" + prosodytest.Domain, password: "s3cret",
		room: "brewery@" + prosodytest.MUCDomain, serverName: "localhost",
		mechanism: "SCRAM-SHA-1", // what Prosody 0.12's internal_hashed offers
		compAddr:  p.ComponentAddr, compDomain: prosodytest.ComponentDomain, compSecret: prosodytest.ComponentSecret,
		kill: func(*testing.T) { p.Restart() },
	}
}
