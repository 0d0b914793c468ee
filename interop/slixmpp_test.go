package interop

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"meetd/internal/meetdtest"
)

// python is Debian's interpreter: Debian's python3-slixmpp imports only there.
const python = "/usr/bin/python3"

const (
	accountJID      = "alice@localhost"
	accountPassword = "correct horse battery staple"
	startLimit      = 60 * time.Second
	scenarioLimit   = 150 * time.Second
)

var (
	c2sLine       = regexp.MustCompile(`^meetd: xmpp c2s (\S+) `)
	componentLine = regexp.MustCompile(`^meetd: xmpp components (\S+)`)
)

// Test component (XEP-0114).
const (
	componentDomain = "svc.localhost"
	componentSecret = "component secret 42"
)

// requireSlixmpp skips (fails on CI) when slixmpp cannot be imported.
func requireSlixmpp(t *testing.T) {
	t.Helper()
	if err := exec.Command(python, "-c", "import slixmpp").Run(); err != nil {
		msg := "python3-slixmpp is not installed (scripts/test.sh installs it): " + err.Error()
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
}

// passwordEntry runs `meetd passwd -moderator` for the test account.
func passwordEntry(t *testing.T, bin string) string {
	t.Helper()
	cmd := exec.Command(bin, "passwd", "-moderator", accountJID)
	cmd.Stdin = strings.NewReader(accountPassword + "\n")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("meetd passwd: %v", err)
	}
	return string(out)
}

// meetdProc is a running meetd with its XMPP listener addresses.
type meetdProc struct {
	c2s       string
	component string
	state     string
}

// startMeetd runs meetd (internal/meetdtest: stopped with SIGTERM at the
// end, exit status 0 required) with the test account and component, and
// waits for its announcements of both XMPP listeners.
func startMeetd(t *testing.T) *meetdProc {
	t.Helper()
	c2s, component := make(chan string, 1), make(chan string, 1)
	onLine := func(line string) {
		if c := c2sLine.FindStringSubmatch(line); c != nil {
			offer(c2s, c[1])
		}
		if c := componentLine.FindStringSubmatch(line); c != nil {
			offer(component, c[1])
		}
	}
	// The lobby is off (meetdtest's default): the suite's rooms are entered by whoever comes.
	extra := append(meetdtest.NoFixedPorts(), "[[xmpp.component]]", fmt.Sprintf("domain = %q", componentDomain),
		fmt.Sprintf("secret = %q", componentSecret), passwordEntry(t, meetdtest.Binary(t)))
	p := meetdtest.Run(t, meetdtest.Config{LogLevel: "info", Extra: extra}, meetdtest.Options{OnLine: onLine})
	m := &meetdProc{state: p.Config.StateDir()}
	for m.c2s == "" || m.component == "" {
		select {
		case m.c2s = <-c2s:
		case m.component = <-component:
		case <-time.After(startLimit):
			t.Fatalf("meetd did not announce its XMPP listeners\n%s", p.Tail(60))
		}
	}
	return m
}

// offer sends v unless ch is full (the output reader must never block).
func offer(ch chan string, v string) {
	select {
	case ch <- v:
	default:
	}
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// step is one JSON line of a scenario script.
type step map[string]any

func (s step) str(k string) string { v, _ := s[k].(string); return v }

// runScenario runs a script and returns its steps by name (the last of
// each), failing the test with the script's output when it fails.
func runScenario(t *testing.T, script string, args ...string) map[string][]step {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), scenarioLimit)
	defer cancel()
	cmd := exec.CommandContext(ctx, python, append([]string{filepath.Join("testdata", script)}, args...)...)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	steps := map[string][]step{}
	for _, line := range strings.Split(string(out), "\n") {
		var s step
		if json.Unmarshal([]byte(line), &s) == nil {
			steps[s.str("step")] = append(steps[s.str("step")], s)
		}
	}
	if err != nil || len(steps["done"]) == 0 {
		t.Fatalf("%s failed: %v\nstdout:\n%s\nstderr:\n%s", script, err, out, lastLines(stderr.String(), 40))
	}
	return steps
}

// TestSlixmpp runs the slixmpp scenarios against one meetd.
func TestSlixmpp(t *testing.T) {
	requireSlixmpp(t)
	m := startMeetd(t)
	t.Run("muc", func(t *testing.T) { testMUC(t, m) })
	t.Run("component", func(t *testing.T) { testComponent(t, m) })
	t.Run("lobby", func(t *testing.T) { testLobby(t, m) })
}

// testLobby: independent clients through the lobby (docs/lobby.md), see
// testdata/lobby_scenario.py; bad input A4, A5 (rejecting is the
// moderator's), A9 (forged sender in lobby chat).
func testLobby(t *testing.T, m *meetdProc) {
	host, port, _ := strings.Cut(m.c2s, ":")
	steps := runScenario(t, "lobby_scenario.py", host, port, "localhost",
		filepath.Join(m.state, "selfsigned-cert.pem"), accountJID, accountPassword, "lobbyinterop@conference.localhost")
	const lobby = "lobbyinterop@lobby.localhost"
	checks := []struct {
		what      string
		got, want string
	}{
		{"LOBBY-ENABLED from", steps["enabled"][0].str("from_"), "lobbyinterop@conference.localhost/mod"},
		{"join refused", steps["sent-to-lobby"][0].str("condition"), "registration-required"},
		{"lobby room named", fmt.Sprint(steps["sent-to-lobby"][1]["lobbyroom"]), "[" + lobby + "]"},
		{"knock shows the real JID", steps["knock"][0].str("jid"), steps["knock"][0].str("mine")},
		{"lobby chat from", steps["lobby-chat"][0].str("from_"), lobby + "/g1"},
		{"forged nick dropped", fmt.Sprint(steps["lobby-chat"][0]["nick"]), "false"},
		{"knocker to knocker", steps["knocker-to-knocker"][0].str("condition"), "forbidden"},
		{"invite", fmt.Sprint(steps["invited"][0]["invite"]), "true"},
		{"no password in the invite", fmt.Sprint(steps["invited"][0]["password"]), "false"},
		{"admitted", steps["admitted"][0].str("type"), "available"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	if codes := fmt.Sprint(steps["rejected"][0]["codes"]); !strings.Contains(codes, "307") || !strings.Contains(codes, "110") {
		t.Errorf("rejected guest saw status codes %s, want 110 and 307", codes)
	}
}

// testMUC: slixmpp logs in over c2s TCP (guest: ANONYMOUS; account:
// SCRAM-SHA-256 and SCRAM-SHA-1), finds the MUC service, sends the
// conference request, joins the room the focus created, exchanges
// groupchat and private messages, changes nick and is kicked by the
// account, a moderator.
func testMUC(t *testing.T, m *meetdProc) {
	host, port, _ := strings.Cut(m.c2s, ":")
	steps := runScenario(t, "muc_scenario.py", host, port, "localhost",
		filepath.Join(m.state, "selfsigned-cert.pem"), accountJID, accountPassword, "interop@conference.localhost")
	mechs := map[string]string{}
	for _, s := range steps["login"] {
		mechs[s.str("who")] = s.str("mechanism")
	}
	checks := []struct {
		what      string
		got, want string
	}{
		{"guest mechanism", mechs["guest"], "ANONYMOUS"},
		{"account mechanism", mechs["account"], "SCRAM-SHA-256"},
		{"account mechanism (SHA-1 only)", mechs["account-sha1"], "SCRAM-SHA-1"},
		{"MUC service", steps["disco"][0].str("service"), "conference.localhost"},
		{"groupchat from", steps["groupchat"][0].str("from_"), "interop@conference.localhost/guest001"},
		{"private message from", steps["private"][0].str("from_"), "interop@conference.localhost/host0001"},
		{"new nick", steps["nick"][0].str("new"), "guest002"},
	}
	for _, c := range checks {
		if c.got != c.want {
			t.Errorf("%s: %q, want %q", c.what, c.got, c.want)
		}
	}
	for _, s := range steps["conference"] {
		if s["ready"] != true {
			t.Errorf("conference request not ready: %v", s)
		}
	}
	roles := map[string]string{}
	for _, s := range steps["joined"] {
		roles[s.str("who")] = s.str("role")
	}
	if roles["account"] != "moderator" || roles["guest"] != "participant" {
		t.Errorf("roles %v, want the account moderator and the guest participant", roles)
	}
	if codes := fmt.Sprint(steps["kick"][0]["codes"]); !strings.Contains(codes, "307") || !strings.Contains(codes, "110") {
		t.Errorf("kicked guest saw status codes %s, want 110 and 307", codes)
	}
	if codes := fmt.Sprint(steps["nick"][0]["codes"]); !slices.Contains(strings.Fields(strings.Trim(codes, "[]")), "303") {
		t.Errorf("nick change status codes %s, want 303", codes)
	}
}

// testComponent: a slixmpp component (XEP-0114) with a wrong secret is
// refused with not-authorized; with the right one it connects, and a
// slixmpp client's message and ping to its domain are answered by it.
func testComponent(t *testing.T, m *meetdProc) {
	host, c2sPort, _ := strings.Cut(m.c2s, ":")
	_, compPort, _ := strings.Cut(m.component, ":")
	steps := runScenario(t, "component_scenario.py", host, c2sPort, compPort, "localhost",
		filepath.Join(m.state, "selfsigned-cert.pem"), componentDomain, componentSecret)
	if errs := fmt.Sprint(steps["wrong-secret"][0]["errors"]); errs != "[not-authorized]" {
		t.Errorf("wrong secret: stream errors %s, want [not-authorized]", errs)
	}
	if msg := steps["message"][0]; msg.str("from_") != "bot@"+componentDomain || msg.str("body") != "echo: hi" {
		t.Errorf("answer from the component: %v", msg)
	}
	if len(steps["ping"]) == 0 {
		t.Error("the component did not answer the ping")
	}
}
