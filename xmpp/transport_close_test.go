package xmpp

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"meetd/xmpp/ns"
)

// TestCloseEndsEveryTransport: Server.Close ends BOSH, TCP and component
// streams with system-shutdown, and a hibernating session goes too (the
// goroutine check in TestMain fails otherwise).
func TestCloseEndsEveryTransport(t *testing.T) {
	env := newEnv(t)
	serverTLS, clientTLS := testTLS(t)
	tcp := dialTCP(t, env.listenC2S(serverTLS))
	tcp.login(clientTLS)
	comp, r := componentLogin(t, env.listenComponents(), testComponent, componentSecret)
	if !r.Is(ns.Component, "handshake") {
		t.Fatalf("component handshake %s", r)
	}
	url := env.boshServer()
	b := env.boshLogin(url)
	held := make(chan string, 1)
	go func() {
		resp, err := http.Post(url, "text/xml", strings.NewReader(b.body(b.rid+1, "", "")))
		if err != nil {
			held <- err.Error()
			return
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		held <- string(raw)
	}()
	ws := env.dial()
	ws.login()
	ws.enableSM()
	_ = ws.conn.Close() // hibernates
	waitFor(t, "the BOSH request held", func() bool { return heldBOSHRequests(env.srv) > 0 })
	_ = env.srv.Close()
	if got := tcp.streamError(); got != condSystemShutdown {
		t.Errorf("TCP stream error %q", got)
	}
	if got := comp.streamError(); got != condSystemShutdown {
		t.Errorf("component stream error %q", got)
	}
	if body := <-held; !strings.Contains(body, `type="terminate"`) || !strings.Contains(body, condSystemShutdown) {
		t.Errorf("held BOSH request answered %q", body)
	}
}

// heldBOSHRequests counts the requests BOSH sessions hold, waiting for
// output.
func heldBOSHRequests(s *Server) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for c := range s.conns {
		if b, ok := c.t.(boshConn); ok {
			b.mu.Lock()
			n += len(b.held)
			b.mu.Unlock()
		}
	}
	return n
}
