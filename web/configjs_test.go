package web

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
)

func getConfigJS(t *testing.T, s *Server) []byte {
	t.Helper()
	ts := httptest.NewServer(s.Handler())
	defer ts.Close()
	resp, err := http.Get(ts.URL + "/config.js")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /config.js: %s", resp.Status)
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/javascript") {
		t.Errorf("Content-Type = %q", ct)
	}
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return body
}

func TestConfigJSValues(t *testing.T) {
	s := newTestServer(t, testConfig(t), Options{PublicURL: mustURL(t, "https://localhost:8443")})
	m := parseConfigJS(t, getConfigJS(t, s))
	want := []struct {
		path []string
		val  any
	}{
		{[]string{"hosts", "domain"}, "localhost"},
		{[]string{"hosts", "muc"}, "conference.localhost"},
		{[]string{"hosts", "focus"}, "focus.localhost"},
		{[]string{"focusUserJid"}, "focus@auth.localhost"},
		{[]string{"websocket"}, "wss://localhost:8443/xmpp-websocket"},
		{[]string{"serviceUrl"}, "wss://localhost:8443/xmpp-websocket"},
		{[]string{"bosh"}, "https://localhost:8443/http-bind"},
		{[]string{"openBridgeChannel"}, "websocket"},
		{[]string{"p2p", "enabled"}, false},
		{[]string{"p2p", "stunServers"}, nil},
		{[]string{"flags", "sourceNameSignaling"}, true},
		{[]string{"flags", "sendMultipleVideoStreams"}, true},
		{[]string{"flags", "ssrcRewritingEnabled"}, false},
		{[]string{"videoQuality", "codecPreferenceOrder"}, []any{"AV1", "VP9", "VP8", "H264"}}, // [media] codecs
		{[]string{"enableOpusRed"}, nil},                                                       // [media] opus_red off
		{[]string{"videoQuality", "preferredCodec"}, "VP8"},                                    // 2021 clients disable simulcast without it
		{[]string{"disableThirdPartyRequests"}, true},
		{[]string{"analytics", "disabled"}, true},
		{[]string{"gravatar", "disabled"}, true},
	}
	for _, w := range want {
		t.Run(strings.Join(w.path, "."), func(t *testing.T) {
			if got := lookup(m, w.path...); !reflect.DeepEqual(got, w.val) {
				t.Errorf("config.%s = %#v, want %#v", strings.Join(w.path, "."), got, w.val)
			}
		})
	}
}

func TestConfigJSFollowsPortAndDomain(t *testing.T) {
	cfg := testConfig(t)
	cfg.Domain = "meet.example.com"
	s := newTestServer(t, cfg, Options{PublicURL: mustURL(t, "https://meet.example.com:40123")})
	m := parseConfigJS(t, getConfigJS(t, s))
	if got := lookup(m, "websocket"); got != "wss://meet.example.com:40123/xmpp-websocket" {
		t.Errorf("websocket = %v", got)
	}
	if got := lookup(m, "hosts", "muc"); got != "conference.meet.example.com" {
		t.Errorf("hosts.muc = %v", got)
	}
}

// hostile holds values that would break out of a script element or a JS
// string if they were pasted in unescaped.
const hostile = "x</script><script>alert(1)</script>'\"\\\u2028\u2029&"

func TestConfigJSEscapesHostileValues(t *testing.T) {
	cfg := testConfig(t)
	cfg.Domain = hostile // bypasses Validate on purpose
	cc := newClientConfig(cfg, &url.URL{Scheme: "https", Host: "h"}, "")
	body, err := renderConfigJS(cc, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"<", ">", "\u2028", "\u2029", "&"} {
		if bytes.Contains(body, []byte(bad)) {
			t.Errorf("config.js contains raw %q:\n%s", bad, body)
		}
	}
	if got := lookup(parseConfigJS(t, body), "hosts", "domain"); got != hostile {
		t.Errorf("hosts.domain round-trips as %q, want %q", got, hostile)
	}
}

// TestConfigJSEvaluatesInNode runs config.js as JavaScript when node is
// installed and checks the resulting config object.
func TestConfigJSEvaluatesInNode(t *testing.T) {
	cfg := testConfig(t)
	cfg.Domain = hostile
	body, err := renderConfigJS(newClientConfig(cfg, mustURL(t, "https://localhost:8443"), ""), nil)
	if err != nil {
		t.Fatal(err)
	}
	m := evalConfigJS(t, body)
	if got := lookup(m, "hosts", "domain"); got != hostile {
		t.Errorf("evaluated hosts.domain = %q, want %q", got, hostile)
	}
	if got := lookup(m, "p2p", "enabled"); got != false {
		t.Errorf("evaluated p2p.enabled = %v", got)
	}
}

// TestConfigJSCodecs: codecPreferenceOrder follows [media] codecs and
// opus_red turns RED on in both the old and the current client's key.
func TestConfigJSCodecs(t *testing.T) {
	cfg := testConfig(t)
	cfg.Media.Codecs = []string{"vp9", "vp8"}
	cfg.Media.OpusRED = true
	m := parseConfigJS(t, getConfigJS(t, newTestServer(t, cfg, Options{PublicURL: mustURL(t, "https://localhost:8443")})))
	for _, w := range []struct {
		path []string
		val  any
	}{
		{[]string{"videoQuality", "codecPreferenceOrder"}, []any{"VP9", "VP8"}},
		{[]string{"videoQuality", "preferredCodec"}, "VP8"},
		{[]string{"enableOpusRed"}, true},
		{[]string{"audioQuality", "enableOpusRed"}, true},
	} {
		if got := lookup(m, w.path...); !reflect.DeepEqual(got, w.val) {
			t.Errorf("config.%s = %#v, want %#v", strings.Join(w.path, "."), got, w.val)
		}
	}
}
