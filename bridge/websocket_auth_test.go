package bridge

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
	"go.uber.org/goleak"

	"meetd/colibri"
)

// TestWebSocketRefusals covers docs/bad-input.md#t5: /colibri-ws/ with a
// wrong pwd is refused with 401, an unknown conference or endpoint (or a
// foreign bridge id, or a malformed path) with 404; the body names no
// meeting, endpoint or pwd and says nothing the status does not, and an
// endpoint's open channel is unaffected.
func TestWebSocketRefusals(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	srv := httptest.NewServer(nil)
	defer srv.Close()
	base := "ws://" + srv.Listener.Addr().String() + "/colibri-ws/jvb1"
	b, fc, stop := startBridge(t, base)
	srv.Config.Handler = b.WebSocketHandler()
	defer stop()
	fc.modify(t, createXML("meetingA", true, "epOne", "epTwo"))
	one := b.conference("meetingA").endpoint("epOne")
	pwd := one.wsPwd
	other := dialChannel(t, b.conference("meetingA").endpoint("epTwo").webSocketURL())
	defer other.Close()

	tests := []struct {
		name, path string
		status     int
	}{
		{"wrong pwd", "/colibri-ws/jvb1/meetingA/epOne?pwd=x" + pwd, http.StatusUnauthorized},
		{"empty pwd", "/colibri-ws/jvb1/meetingA/epOne?pwd=", http.StatusUnauthorized},
		{"no pwd", "/colibri-ws/jvb1/meetingA/epOne", http.StatusUnauthorized},
		{"other endpoint's pwd", "/colibri-ws/jvb1/meetingA/epOne?pwd=" + url.QueryEscape(b.conference("meetingA").endpoint("epTwo").wsPwd), http.StatusUnauthorized},
		{"unknown conference", "/colibri-ws/jvb1/meetingB/epOne?pwd=" + url.QueryEscape(pwd), http.StatusNotFound},
		{"unknown endpoint", "/colibri-ws/jvb1/meetingA/epThree?pwd=" + url.QueryEscape(pwd), http.StatusNotFound},
		{"other bridge", "/colibri-ws/jvb2/meetingA/epOne?pwd=" + url.QueryEscape(pwd), http.StatusNotFound},
		{"short path", "/colibri-ws/jvb1/meetingA?pwd=" + url.QueryEscape(pwd), http.StatusNotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
			defer cancel()
			ws, resp, err := websocket.DefaultDialer.DialContext(ctx, "ws://"+srv.Listener.Addr().String()+tt.path, nil)
			if err == nil {
				_ = ws.Close()
				t.Fatal("upgrade accepted")
			}
			if resp == nil || resp.StatusCode != tt.status {
				t.Fatalf("dial = %v (%v), want status %d", resp, err, tt.status)
			}
			body, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			for _, secret := range []string{"meetingA", "meetingB", "epOne", "epTwo", "epThree", pwd} {
				if strings.Contains(string(body), secret) {
					t.Errorf("body %q leaks %q", body, secret)
				}
			}
			// Beyond the status nothing tells which part was wrong: the
			// body is the status text or the stock not-found page.
			if b := strings.TrimSpace(string(body)); b != http.StatusText(tt.status) && b != "404 page not found" {
				t.Errorf("body %q says more than the status", body)
			}
		})
	}
	t.Run("right pwd still works, other channel unaffected", func(t *testing.T) {
		ws := dialChannel(t, one.webSocketURL())
		defer ws.Close()
		must(t, other.WriteMessage(websocket.TextMessage, []byte(`{"colibriClass":"ClientHello"}`)))
		readUntil(t, other, colibri.ClassServerHello)
	})
}

// dialChannel opens a bridge channel and reads its ServerHello.
func dialChannel(t *testing.T, u string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	ws, resp, err := websocket.DefaultDialer.DialContext(ctx, u, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", u, err)
	}
	_ = resp.Body.Close()
	readUntil(t, ws, colibri.ClassServerHello)
	return ws
}

// readUntil reads channel messages until one of the given class arrives.
func readUntil(t *testing.T, ws *websocket.Conn, class string) {
	t.Helper()
	_ = ws.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		_, msg, err := ws.ReadMessage()
		if err != nil {
			t.Fatalf("waiting for %s: %v", class, err)
		}
		var h colibri.ChannelHeader
		if json.Unmarshal(msg, &h) == nil && h.Class == class {
			return
		}
	}
}
