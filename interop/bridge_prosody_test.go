package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"meetd/internal/meetdtest"
	"meetd/internal/prosodytest"
	"meetd/xmpp/client"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

const proBrewery = "jvbbrewery@" + prosodytest.MUCDomain

// TestBridgeOnProsody: `meetd bridge` processes connected to Debian's
// prosody — one as a client account (SCRAM over STARTTLS), one as an
// XEP-0114 component — join its brewery with their ID, region, version,
// relay id and stress level, answer a health check from a focus-like
// observer there, and exit 0 on SIGTERM.
func TestBridgeOnProsody(t *testing.T) {
	p := prosodytest.Start(t, map[string]string{"jvb": "jvb password", "focus": "focus password"})
	dir := t.TempDir()
	secret := func(name, value string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(value+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bridges := []struct{ id, login string }{
		{"jvb-client", fmt.Sprintf("server = %q\njid = \"jvb@localhost\"\npassword_file = %q\nserver_name = \"localhost\"\nca_file = %q",
			p.Addr, secret("pw", "jvb password"), p.CertFile)},
		{"jvb-component", fmt.Sprintf("server = %q\ncomponent = %q\nsecret_file = %q",
			p.ComponentAddr, prosodytest.ComponentDomain, secret("secret", prosodytest.ComponentSecret))},
	}
	observer, err := client.Dial(t.Context(), client.Config{Addr: p.Addr, JID: "focus@localhost", Password: "focus password",
		RootCAs: p.Roots, ServerName: "localhost", Resource: "focus"})
	if err != nil {
		t.Fatal(err)
	}
	defer observer.Close()
	join := dom.New(ns.Client, "presence").SetAttr("to", proBrewery+"/focus")
	join.AddNew(ns.MUC, "x")
	if err := observer.Send(t.Context(), join); err != nil {
		t.Fatal(err)
	}
	for _, b := range bridges {
		startBridgeOn(t, b.id, b.login)
	}
	ctx, cancel := context.WithTimeout(t.Context(), scenarioLimit)
	defer cancel()
	seen := map[string]map[string]string{}
	for len(seen) < len(bridges) {
		el, err := observer.Recv(ctx)
		if err != nil {
			t.Fatalf("bridges seen in the brewery: %v; then %v\nprosody log:\n%s", seen, err, lastLines(p.Log(), 30))
		}
		nick, ok := strings.CutPrefix(el.Attr("from"), proBrewery+"/")
		if stats := el.Child(ns.Colibri, "stats"); ok && stats != nil {
			seen[nick] = map[string]string{}
			for _, s := range stats.ChildrenNamed(ns.Colibri, "stat") {
				seen[nick][s.Attr("name")] = s.Attr("value")
			}
		}
	}
	for _, b := range bridges {
		st := seen[b.id]
		if stress, err := strconv.ParseFloat(st["stress_level"], 64); err != nil || stress < 0 || stress > 1 {
			t.Errorf("%s: stress_level %q", b.id, st["stress_level"])
		}
		if st["region"] != "prosody-test" || st["relay_id"] != b.id || !strings.HasPrefix(st["version"], "meetd/") {
			t.Errorf("%s: stats %v", b.id, st)
		}
		iq := stanza.IQ("get", proBrewery+"/"+b.id)
		iq.AddNew(ns.Healthcheck, "healthcheck")
		if _, err := observer.IQ(ctx, iq); err != nil {
			t.Errorf("%s: health check through the brewery: %v", b.id, err)
		}
	}
}

// startBridgeOn runs `meetd bridge` with the given [xmpp] login lines in
// proBrewery until the test ends (SIGTERM, exit 0 required).
func startBridgeOn(t *testing.T, id, login string) {
	t.Helper()
	startBridgeIn(t, id, login, proBrewery)
}

// startBridgeIn is startBridgeOn for another brewery room.
func startBridgeIn(t *testing.T, id, login, brewery string) {
	t.Helper()
	dir := t.TempDir()
	mediaPort, err := meetdtest.FreePort("udp", "127.0.0.1")
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf("id = %q\nregion = \"prosody-test\"\nstate_dir = %q\n[xmpp]\n%s\nbrewery = %q\n"+
		"[media]\nlisten = \"127.0.0.1:%d\"\nadvertise = [\"127.0.0.1\"]\n[http]\nlisten = \"127.0.0.1:0\"\n[log]\nlevel = \"debug\"\n",
		id, filepath.Join(dir, "state"), login, brewery, mediaPort)
	path := filepath.Join(dir, "bridge.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	proc, err := meetdtest.StartCommand(meetdtest.Options{StopLimit: 30 * time.Second}, meetdtest.Binary(t), "bridge", "-config", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := proc.Stop(); err != nil {
			t.Errorf("meetd bridge %s: %v\n%s", id, err, proc.Tail(40))
		}
		if t.Failed() {
			t.Logf("meetd bridge %s output:\n%s", id, proc.Tail(40))
		}
	})
}
