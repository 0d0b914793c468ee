package xmpp

import (
	"crypto/sha1"
	"encoding/hex"
	"net"
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

const (
	testComponent   = "svc.localhost"
	componentSecret = "s3cret-s3cret"
)

func (e *testEnv) listenComponents() string {
	e.t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		e.t.Fatal(err)
	}
	if err := e.srv.ServeComponents(ln, map[string]string{testComponent: componentSecret}); err != nil {
		e.t.Fatal(err)
	}
	return ln.Addr().String()
}

// componentLogin opens a component stream to domain and sends the
// handshake for secret; it returns the server's answer.
func componentLogin(t *testing.T, addr, domain, secret string) (*tcpClient, *dom.Element) {
	t.Helper()
	c := dialTCP(t, addr)
	c.send(`<stream:stream xmlns='jabber:component:accept' xmlns:stream='http://etherx.jabber.org/streams' to='` + domain + `'>`)
	if h := c.next(); h == nil || h.Local != "stream" {
		t.Fatalf("want stream header, got %v", h)
	}
	if domain != testComponent {
		return c, c.next() // host-unknown comes before the handshake
	}
	id := c.lastStreamID
	sum := sha1.Sum([]byte(id + secret))
	c.send(`<handshake>` + hex.EncodeToString(sum[:]) + `</handshake>`)
	return c, c.next()
}

func TestComponent(t *testing.T) {
	env := newEnv(t)
	addr := env.listenComponents()
	ws := env.dial()
	ws.login()
	comp, r := componentLogin(t, addr, testComponent, componentSecret)
	if !r.Is(ns.Component, "handshake") {
		t.Fatalf("handshake answer %s", r)
	}
	ws.send(`<message xmlns="jabber:client" to="bot@` + testComponent + `" id="c1"><body>to component</body></message>`)
	m := comp.next()
	if m.Space != ns.Component || m.Attr("id") != "c1" || m.Attr("from") != ws.jid {
		t.Fatalf("component got %s", m)
	}
	comp.send(`<message from='bot@` + testComponent + `' to='` + ws.jid + `' id='c2'><body>from component</body></message>`)
	if m := ws.recvWhere("message", isMessage("c2")); m.Attr("from") != "bot@"+testComponent {
		t.Fatalf("client got %s", m)
	}
	ws.send(`<iq xmlns="jabber:client" type="get" to="` + testComponent + `" id="c3"><ping xmlns="urn:xmpp:ping"/></iq>`)
	if iq := comp.next(); iq.Attr("id") != "c3" {
		t.Fatalf("component got %s", iq)
	}
	comp.send(`<iq type='result' from='` + testComponent + `' to='` + ws.jid + `' id='c3'/>`)
	ws.recvID("c3")
	t.Run("second connection for the same domain", func(t *testing.T) {
		c2, r := componentLogin(t, addr, testComponent, componentSecret)
		if !r.Is(ns.Streams, "error") || r.FirstChild().Local != "conflict" {
			t.Fatalf("want conflict, got %s", r)
		}
		_ = c2
	})
	t.Run("spoofed from", func(t *testing.T) {
		comp.send(`<message from='` + ws.jid + `' to='` + ws.jid + `'><body>spoof</body></message>`)
		if got := comp.streamError(); got != condInvalidFrom {
			t.Fatalf("stream error %q, want %s", got, condInvalidFrom)
		}
	})
	ws.ping("still-up")
}

func TestComponentRefused(t *testing.T) {
	env := newEnv(t)
	addr := env.listenComponents()
	tests := []struct{ name, domain, secret, cond string }{
		{"wrong secret", testComponent, "wrong", condNotAuthorized},
		{"unknown domain", "other.localhost", componentSecret, condHostUnknown},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, r := componentLogin(t, addr, tc.domain, tc.secret)
			if !r.Is(ns.Streams, "error") || r.FirstChild().Local != tc.cond {
				t.Fatalf("want stream error %s, got %s", tc.cond, r)
			}
			if c.next() != nil {
				t.Fatal("no stream footer after the error")
			}
		})
	}
	t.Run("domain still free", func(t *testing.T) {
		ws := env.dial()
		ws.login()
		ws.send(`<iq xmlns="jabber:client" type="get" to="` + testComponent + `" id="x"><ping xmlns="urn:xmpp:ping"/></iq>`)
		if r := ws.recvID("x"); r.Attr("type") != "error" {
			t.Fatalf("iq to an unconnected component: %s", r)
		}
	})
}

// TestComponentOccupantsLeave: occupants a component created under its
// domain leave their rooms, with unavailable presence to the others, when
// the component disconnects — as a client session's occupant does. The room
// and its other occupants stay.
func TestComponentOccupantsLeave(t *testing.T) {
	leakCheck(t)
	env := newEnv(t)
	addr := env.listenComponents()
	focus := focusRoom(t, env)
	watcher := joinClient(t, env, "watcher")
	comp, r := componentLogin(t, addr, testComponent, componentSecret)
	if !r.Is(ns.Component, "handshake") {
		t.Fatalf("handshake answer %s", r)
	}
	bots := []string{"bot1", "bot2"}
	for _, b := range bots {
		comp.send(`<presence from='` + b + `@` + testComponent + `/r' to='` + room + `/` + b + `'><x xmlns='http://jabber.org/protocol/muc'/></presence>`)
		watcher.recvWhere(b+" joined", func(e *dom.Element) bool {
			return e.Local == "presence" && e.Attr("from") == room+"/"+b && e.Attr("type") == ""
		})
	}
	_ = comp.conn.Close()
	for _, b := range bots {
		watcher.recvWhere(b+" left", func(e *dom.Element) bool {
			return e.Local == "presence" && e.Attr("from") == room+"/"+b && e.Attr("type") == "unavailable"
		})
	}
	watcher.send(`<message xmlns="jabber:client" type="groupchat" to="` + room + `" id="still"><body>here</body></message>`)
	watcher.recvWhere("own groupchat", isMessage("still"))
	recvLocalWhere(t, focus, "groupchat", isMessage("still"))
}
