package interop

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"meetd/internal/load"
	"meetd/internal/meetdtest"
	"meetd/internal/prosodytest"
	"meetd/xmpp/client"
	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
	"meetd/xmpp/stanza"
)

// deploymentConfig is Prosody as the only XMPP server of a Jitsi
// deployment for domain localhost, with plain Debian modules (none of
// jitsi-meet-prosody's): anonymous clients over WebSocket, bridge accounts
// on auth.localhost, the conference MUC and the brewery MUC, and the focus
// as the component focus.localhost — what docs/prosody.md tells an admin to
// write.
const deploymentConfig = `run_as_root = true
prosody_user = "root"
pidfile = "{dir}/prosody.pid"
data_path = "{dir}/data"
certificates = "{dir}"
interfaces = { "127.0.0.1" }
c2s_ports = { {port} }
c2s_direct_tls_ports = { }
component_ports = { {cport} }
component_interface = "127.0.0.1"
s2s_ports = { }
http_ports = { }
https_ports = { {hport} }
https_interfaces = { "127.0.0.1" }
https_ssl = { certificate = "{dir}/{cert}"; key = "{dir}/{key}" }
http_default_host = "localhost"
modules_enabled = { "roster"; "saslauth"; "tls"; "disco"; "ping" }
modules_disabled = { "s2s" }
c2s_require_encryption = true
log = { info = "{dir}/prosody.log" }
ssl = { certificate = "{dir}/{cert}"; key = "{dir}/{key}" }
VirtualHost "localhost"
	authentication = "anonymous"
	modules_enabled = { "websocket" }
VirtualHost "auth.localhost"
	authentication = "internal_hashed"
Component "conference.localhost" "muc"
	muc_room_locking = false
	admins = { "focus@focus.localhost" }
Component "internal.auth.localhost" "muc"
	muc_room_locking = false
	muc_room_default_public_jids = true
	admins = { "focus@focus.localhost" }
Component "focus.localhost"
	component_secret = "f0cus-secret"
`

const deployBrewery = "jvbbrewery@internal.auth.localhost"

// TestFocusOnProsody: Prosody is the only XMPP server. meetd's focus joins
// it as the component focus.localhost (`meetd focus`), a `meetd bridge`
// logs in with an account on auth.localhost, and another account joins the
// brewery announcing colibri stats with stress 0 — more attractive than the
// bridge — but never answers Colibri2. Two emulated Jitsi endpoints
// (internal/load: XMPP over Prosody's WebSocket, the conference request,
// Jingle, ICE/DTLS/SRTP with pion) join a room on Prosody and each must
// receive the other's audio and video through the real bridge:
//   - "impostor refused": the impostor is not in [bridges] allow; the focus
//     never picks it.
//   - "silent bridge left": the impostor is allowed and answers health
//     checks; the focus picks it, its Colibri2 allocation times out (15 s),
//     and the focus leaves it for the real bridge (colibritimeout.go).
func TestFocusOnProsody(t *testing.T) {
	tests := []struct {
		name, allow  string
		answerHealth bool
		wantLog      string
	}{
		{"impostor refused", "jvb@auth.localhost", false, "not an allowed bridge"},
		{"silent bridge left", "auth.localhost", true, "did not answer a Colibri2 request"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			focus, url := prosodyDeployment(t, tc.allow, tc.answerHealth)
			prosodyCall(t, url)
			if !strings.Contains(focus.Tail(200), tc.wantLog) {
				t.Errorf("the focus never logged %q:\n%s", tc.wantLog, focus.Tail(60))
			}
		})
	}
}

// prosodyDeployment starts Prosody, the impostor, `meetd focus` with the
// given allow-list entry and a `meetd bridge`; it returns the focus process
// and Prosody's HTTPS base URL (its WebSocket).
func prosodyDeployment(t *testing.T, allow string, answerHealth bool) (*meetdtest.Process, string) {
	t.Helper()
	p := prosodytest.StartConfig(t, deploymentConfig, map[string]string{
		"jvb@auth.localhost": "jvb password", "mallory@auth.localhost": "mallory password"})
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	impostor := joinImpostor(t, p)
	t.Cleanup(func() { _ = impostor.Close() })
	if answerHealth {
		go answerHealthChecks(t.Context(), impostor)
	}
	focusCfg := write("focus.toml", fmt.Sprintf("domain = \"localhost\"\n[xmpp]\nserver = %q\nsecret_file = %q\n"+
		"[bridges]\nallow = [%q]\n[log]\nlevel = \"debug\"\n", p.ComponentAddr, write("secret", "f0cus-secret\n"), allow))
	focus := startFocusOn(t, focusCfg)
	startBridgeIn(t, "jvb-prosody", fmt.Sprintf("server = %q\njid = \"jvb@auth.localhost\"\npassword_file = %q\n"+
		"server_name = \"localhost\"\nca_file = %q", p.Addr, write("pw", "jvb password\n"), p.CertFile), deployBrewery)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("prosody log:\n%s", lastLines(p.Log(), 40))
		}
	})
	return focus, "https://" + p.HTTPSAddr
}

// prosodyCall joins two emulated endpoints and checks that each receives
// the other's audio and video.
func prosodyCall(t *testing.T, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), scenarioLimit)
	defer cancel()
	l, err := load.Start(ctx, load.Config{URL: url, Domain: "localhost", Room: "prosody-call",
		Endpoints: 2, Senders: 2, KeyframeInterval: time.Second, JoinTimeout: 60 * time.Second})
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	if failed := l.Wait(ctx); len(failed) > 0 {
		t.Fatalf("joins failed: %v", failed)
	}
	time.Sleep(2 * time.Second) // first keyframes after the PLIs
	before := l.EndpointSnapshots()
	time.Sleep(3 * time.Second)
	after := l.EndpointSnapshots()
	for i := range after {
		audio := after[i].AudioReceived - before[i].AudioReceived
		video := after[i].ReceivedPackets - before[i].ReceivedPackets - audio
		secs := after[i].At.Sub(before[i].At).Seconds()
		t.Logf("endpoint %d received %.0f audio and %.0f video packets/s", i, float64(audio)/secs, float64(video)/secs)
		// The other endpoint sends 50 Opus packets/s, speaking a third of the
		// time (the load tool's senders take turns), and 30 video frames/s; the
		// bridge drops its silent audio after the first 4 packets of each pause
		// (docs/media.md#silence), so about 18 audio packets/s arrive.
		if float64(audio)/secs < 10 || float64(video)/secs < 15 {
			t.Errorf("endpoint %d: %d audio and %d video packets in %.1f s, want the other's audio and video", i, audio, video, secs)
		}
		if after[i].Keyframes == 0 {
			t.Errorf("endpoint %d never received a whole keyframe", i)
		}
	}
}

// answerHealthChecks answers every health-check IQ the impostor gets (and
// nothing else: Colibri2 requests go unanswered) until ctx ends.
func answerHealthChecks(ctx context.Context, c *client.Conn) {
	for {
		st, err := c.Recv(ctx)
		if err != nil {
			return
		}
		if st.Local == "iq" && st.Child(ns.Healthcheck, "healthcheck") != nil {
			_ = c.Send(ctx, stanza.Result(st))
		}
	}
}

// joinImpostor logs in an account that is not a bridge and has it announce
// colibri stats with stress 0 in the brewery.
func joinImpostor(t *testing.T, p *prosodytest.Server) *client.Conn {
	t.Helper()
	c, err := client.Dial(t.Context(), client.Config{Addr: p.Addr, JID: "mallory@auth.localhost", Password: "mallory password",
		RootCAs: p.Roots, ServerName: "localhost", Resource: "r"})
	if err != nil {
		t.Fatal(err)
	}
	pres := dom.New(ns.Client, "presence").SetAttr("to", deployBrewery+"/impostor")
	pres.AddNew(ns.MUC, "x")
	stats := pres.AddNew(ns.Colibri, "stats")
	for _, kv := range [][2]string{{"stress_level", "0"}, {"region", ""}, {"healthy", "true"}} {
		stats.AddNew(ns.Colibri, "stat").SetAttr("name", kv[0]).SetAttr("value", kv[1])
	}
	if err := c.Send(t.Context(), pres); err != nil {
		t.Fatal(err)
	}
	return c
}

// startFocusOn runs `meetd focus -config path` until the test ends
// (SIGTERM, exit 0 required).
func startFocusOn(t *testing.T, path string) *meetdtest.Process {
	t.Helper()
	proc, err := meetdtest.StartCommand(meetdtest.Options{StopLimit: 30 * time.Second}, meetdtest.Binary(t), "focus", "-config", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := proc.Stop(); err != nil {
			t.Errorf("meetd focus: %v\n%s", err, proc.Tail(60))
		}
		if t.Failed() {
			t.Logf("meetd focus output:\n%s", proc.Tail(60))
		}
	})
	return proc
}
