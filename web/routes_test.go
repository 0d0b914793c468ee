package web

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestRoutes(t *testing.T) {
	echo := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, _ = io.WriteString(w, name+" "+r.URL.Path)
			if r.URL.RawQuery != "" {
				_, _ = io.WriteString(w, "?"+r.URL.RawQuery)
			}
		})
	}
	withHandlers := newTestServer(t, testConfig(t), Options{XMPP: echo("xmpp"), Bridge: echo("bridge")})
	without := newTestServer(t, testConfig(t), Options{})
	tenantCfg := testConfig(t)
	tenantCfg.Web.Tenants = []string{"a"}
	tenants := newTestServer(t, tenantCfg, Options{})
	tenantHandlers := newTestServer(t, tenantCfg, Options{XMPP: echo("xmpp"), BOSH: echo("bosh")})
	tests := []struct {
		name, method, path string
		srv                *Server
		status             int
		body               string // substring of the body
	}{
		{"root page", "GET", "/", without, 200, "meetd on localhost"},
		{"room page", "GET", "/myroom", without, 200, "the room <b>myroom</b>"},
		{"room page escapes", "GET", "/%3Cscript%3E", without, 200, "&lt;script&gt;"},
		{"dotted path", "GET", "/favicon.ico", without, 404, ""},
		{"tenant room page", "GET", "/a/b", tenants, 200, "<b>b</b> of <b>a</b>"},
		{"unknown tenant", "GET", "/a/b", without, 404, ""},
		{"deep path", "GET", "/a/b/c", without, 404, ""},
		{"bad tenant", "GET", "/a.b/c", without, 404, ""},
		{"config.js post", "POST", "/config.js", without, 405, ""},
		{"device test page", "GET", "/_meetd/devicetest", without, 200, "Technik-Test"},
		{"device test script", "GET", "/_meetd/devicetest.js", without, 200, "deviceTest"},
		{"device test style", "GET", "/_meetd/devicetest.css", without, 200, "meter"},
		{"reserved prefix", "GET", "/_meetd/other", without, 404, ""},
		{"xmpp missing", "GET", "/xmpp-websocket", without, 503, "xmpp not available"},
		{"bridge missing", "GET", "/colibri-ws/jvb1/m/e", without, 503, "bridge not available"},
		{"xmpp mounted", "GET", "/xmpp-websocket", withHandlers, 200, "xmpp /xmpp-websocket"},
		{"bridge gets full path", "GET", "/colibri-ws/jvb1/m/e?pwd=x", withHandlers, 200, "bridge /colibri-ws/jvb1/m/e"},
		// Jitsi's nginx maps /<tenant>/xmpp-websocket and /<tenant>/http-bind to the root paths, adding prefix=<tenant>.
		// Health and metrics live on the [ops] listener only, as Jitsi's nginx exposes neither JVB's nor Jicofo's.
		{"no health on the public listener", "GET", "/about/health", without, 404, ""},
		{"tenant websocket", "GET", "/a/xmpp-websocket?room=r1", tenantHandlers, 200, "xmpp /xmpp-websocket?prefix=a&room=r1"},
		{"tenant websocket upper case", "GET", "/A/xmpp-websocket", tenantHandlers, 200, "xmpp /xmpp-websocket?prefix=a"},
		{"tenant bosh", "POST", "/a/http-bind", tenantHandlers, 200, "bosh /http-bind?prefix=a"},
		{"tenant websocket unknown tenant", "GET", "/b/xmpp-websocket", tenantHandlers, 404, ""},
		{"tenant websocket no tenants", "GET", "/a/xmpp-websocket", withHandlers, 404, ""},
		{"tenant websocket deeper", "GET", "/a/xmpp-websocket/x", tenantHandlers, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := httptest.NewRecorder()
			tt.srv.Handler().ServeHTTP(rec, httptest.NewRequest(tt.method, tt.path, nil))
			if rec.Code != tt.status {
				t.Errorf("%s %s = %d, want %d", tt.method, tt.path, rec.Code, tt.status)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %q does not contain %q", rec.Body.String(), tt.body)
			}
			if rec.Header().Get("X-Content-Type-Options") != "nosniff" {
				t.Error("missing X-Content-Type-Options")
			}
		})
	}
}

func TestRoomPageDoesNotReflectScript(t *testing.T) {
	s := newTestServer(t, testConfig(t), Options{})
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/%3Cscript%3Ealert(1)%3C%2Fscript%3E", nil))
	if strings.Contains(rec.Body.String(), "<script>") {
		t.Errorf("room name reflected unescaped:\n%s", rec.Body)
	}
}

func TestNewRequiresPublicURL(t *testing.T) {
	if _, err := New(testConfig(t), Options{Logger: quietLogger()}); err != ErrNoPublicURL {
		t.Errorf("New without PublicURL = %v, want ErrNoPublicURL", err)
	}
}

func TestURLs(t *testing.T) {
	pub := mustURL(t, "https://meet.example.com:8443")
	tests := []struct{ name, got, want string }{
		{"xmpp", XMPPWebSocketURL(pub), "wss://meet.example.com:8443/xmpp-websocket"},
		{"bosh", BOSHURL(pub), "https://meet.example.com:8443/http-bind"},
		{"bridge", BridgeWebSocketURL(pub, "jvb1"), "wss://meet.example.com:8443/colibri-ws/jvb1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if tt.got != tt.want {
				t.Errorf("got %s, want %s", tt.got, tt.want)
			}
		})
	}
}
