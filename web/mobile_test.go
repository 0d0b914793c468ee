package web

import (
	"encoding/json"
	"io"
	"net/http/httptest"
	"os"
	"os/exec"
	"reflect"
	"strings"
	"testing"
)

// evalInNode runs a script body in a fresh node vm context and returns the
// JSON of its global config.
func evalInNode(t *testing.T, js []byte) map[string]any {
	t.Helper()
	node, err := exec.LookPath("node")
	if err != nil {
		if os.Getenv("CI") != "" {
			t.Fatal("node is missing on CI")
		}
		t.Skip("node not installed")
	}
	script := `const vm=require("vm");const ctx={};vm.createContext(ctx);` +
		`vm.runInContext(require("fs").readFileSync(0,"utf8"),ctx);` +
		`process.stdout.write(JSON.stringify(ctx.config))`
	cmd := exec.Command(node, "-e", script)
	cmd.Stdin = strings.NewReader(string(js))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(out, &m); err != nil {
		t.Fatalf("node output %q: %v", out, err)
	}
	return m
}

// TestMobileAppContract: the Jitsi Meet apps fetch config.js?room=… (per
// tenant too) and take hosts, BOSH and WebSocket URLs from it; the
// evaluated object must name this server only, with no STUN/TURN elsewhere.
func TestMobileAppContract(t *testing.T) {
	cfg := testConfig(t)
	cfg.Domain = "meet.example.com"
	cfg.Web.Tenants = []string{"acme"}
	s := newTestServer(t, cfg, Options{PublicURL: mustURL(t, "https://meet.example.com")})
	ts := httptest.NewTLSServer(s.Handler())
	defer ts.Close()
	tests := []struct{ name, path, muc string }{
		{"root", "/config.js?room=x", "conference.meet.example.com"},
		{"hostile room parameter", "/config.js?room=%3C%2Fscript%3E%27%22", "conference.meet.example.com"},
		{"tenant", "/acme/config.js?room=x", "conference.acme.meet.example.com"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, err := ts.Client().Get(ts.URL + tt.path)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				t.Fatalf("GET %s: %s", tt.path, resp.Status)
			}
			m := evalInNode(t, body)
			want := map[string]any{
				"hosts.domain": "meet.example.com", "hosts.muc": tt.muc, "hosts.focus": "focus.meet.example.com",
				"bosh": "https://meet.example.com/http-bind", "websocket": "wss://meet.example.com/xmpp-websocket",
				"p2p.enabled": false, "p2p.stunServers": nil,
			}
			for k, v := range want {
				if got := lookup(m, strings.Split(k, ".")...); !reflect.DeepEqual(got, v) {
					t.Errorf("config.%s = %#v, want %#v", k, got, v)
				}
			}
			if bad := foreignURLs(m, "meet.example.com"); len(bad) > 0 {
				t.Errorf("config names other servers: %v", bad)
			}
		})
	}
}

// foreignURLs returns every string value that looks like a URL or STUN/TURN
// address and does not name host.
func foreignURLs(v any, host string) []string {
	var out []string
	switch x := v.(type) {
	case map[string]any:
		for _, e := range x {
			out = append(out, foreignURLs(e, host)...)
		}
	case []any:
		for _, e := range x {
			out = append(out, foreignURLs(e, host)...)
		}
	case string:
		for _, p := range []string{"stun:", "turn:", "turns:", "://"} {
			if strings.Contains(x, p) && !strings.Contains(x, host) {
				out = append(out, x)
				break
			}
		}
	}
	return out
}
