package xmpp

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// boshClient is a raw BOSH client for tests.
type boshClient struct {
	t   *testing.T
	url string
	sid string
	rid uint64
	jid string
}

func (e *testEnv) boshServer() string {
	e.t.Helper()
	hts := httptest.NewServer(e.srv.BOSHHandler())
	e.t.Cleanup(hts.Close)
	return hts.URL + "/http-bind"
}

// post sends a raw body and returns the parsed response body.
func (b *boshClient) post(body string) *boshBody {
	b.t.Helper()
	resp, err := http.Post(b.url, "text/xml; charset=utf-8", strings.NewReader(body))
	if err != nil {
		b.t.Fatalf("post: %v", err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		b.t.Fatalf("status %d: %s", resp.StatusCode, raw)
	}
	pb, err := parseBOSHBody(raw)
	if err != nil {
		b.t.Fatalf("response %q: %v", raw, err)
	}
	return pb
}

// send posts the next request with extra attributes and children.
func (b *boshClient) send(attrs, children string) *boshBody {
	b.t.Helper()
	b.rid++
	return b.post(b.body(b.rid, attrs, children))
}

func (b *boshClient) body(rid uint64, attrs, children string) string {
	return `<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="` +
		strconv.FormatUint(rid, 10) + `" sid="` + b.sid + `" ` + attrs + `>` + children + `</body>`
}

// recvUntil polls until an element matching pred arrives.
func (b *boshClient) recvUntil(what string, first *boshBody, pred func(*dom.Element) bool) *dom.Element {
	b.t.Helper()
	r := first
	for i := 0; i < 20; i++ {
		if r != nil {
			for _, e := range r.children {
				if pred(e) {
					return e
				}
			}
			if r.attr("type") == "terminate" {
				b.t.Fatalf("session terminated (%s) waiting for %s", r.attr("condition"), what)
			}
		}
		r = b.send("", "")
	}
	b.t.Fatalf("no %s", what)
	return nil
}

func (e *testEnv) boshLogin(url string) *boshClient {
	e.t.Helper()
	b := &boshClient{t: e.t, url: url, rid: 1000}
	r := b.post(`<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="1000" to="localhost" ` +
		`wait="1" hold="1" ver="1.6" xmpp:version="1.0" content="text/xml; charset=utf-8" xml:lang="en"/>`)
	b.sid = r.attr("sid")
	want := strconv.Itoa(int((e.srv.cfg.BOSHInactivity + time.Second - 1) / time.Second))
	if b.sid == "" || r.attr("requests") != "2" || r.attr("hold") != "1" || r.attr("wait") != "1" ||
		r.attr("inactivity") != want || r.attr(ns.XBOSH+" version") != "1.0" {
		e.t.Fatalf("session creation response %v", r.attrs)
	}
	f := b.recvUntil("features", r, func(e *dom.Element) bool { return e.Is(ns.Streams, "features") })
	if f.Child(ns.SASL, "mechanisms") == nil {
		e.t.Fatalf("features %s", f)
	}
	r = b.send("", `<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`)
	b.recvUntil("success", r, func(e *dom.Element) bool { return e.Is(ns.SASL, "success") })
	r = b.send(`to="localhost" xml:lang="en" xmpp:restart="true"`, "")
	f = b.recvUntil("features", r, func(e *dom.Element) bool { return e.Is(ns.Streams, "features") })
	if f.Child(ns.Bind, "bind") == nil || f.Child(ns.SM, "sm") != nil {
		e.t.Fatalf("post-SASL features over BOSH: %s", f)
	}
	r = b.send("", `<iq xmlns="jabber:client" type="set" id="b1"><bind xmlns="urn:ietf:params:xml:ns:xmpp-bind"/></iq>`)
	res := b.recvUntil("bind result", r, func(e *dom.Element) bool { return e.Attr("id") == "b1" })
	b.jid = res.Child(ns.Bind, "bind").Child(ns.Bind, "jid").Text
	if !anonJID.MatchString(b.jid) {
		e.t.Fatalf("bind %s", res)
	}
	return b
}

func TestBOSHSession(t *testing.T) {
	env := newEnv(t)
	url := env.boshServer()
	if env.srv.cfg.BOSHInactivity != 60*time.Second {
		t.Fatalf("default BOSH inactivity %v", env.srv.cfg.BOSHInactivity)
	}
	b := env.boshLogin(url)
	ws := env.dial()
	ws.login()
	r := b.send("", `<iq xmlns="jabber:client" type="get" to="localhost" id="p1"><ping xmlns="urn:xmpp:ping"/></iq>`)
	b.recvUntil("ping result", r, func(e *dom.Element) bool { return e.Attr("id") == "p1" })
	t.Run("held request carries a message", func(t *testing.T) {
		done := make(chan *boshBody, 1)
		go func() {
			resp, err := http.Post(url, "text/xml", strings.NewReader(b.body(b.rid+1, "", "")))
			if err != nil {
				done <- nil
				return
			}
			defer resp.Body.Close()
			raw, _ := io.ReadAll(resp.Body)
			pb, _ := parseBOSHBody(raw)
			done <- pb
		}()
		time.Sleep(100 * time.Millisecond)
		ws.send(chat(b.jid, "to-bosh"))
		pb := <-done
		b.rid++
		b.recvUntil("message", pb, isMessage("to-bosh"))
	})
	t.Run("message from BOSH", func(t *testing.T) {
		b.send("", chat(ws.jid, "from-bosh"))
		ws.recvWhere("message", isMessage("from-bosh"))
	})
	t.Run("retransmission gets the same answer", func(t *testing.T) {
		r := b.send("", "")
		again := b.post(b.body(b.rid, "", ""))
		if len(again.children) != len(r.children) || again.attr("type") == "terminate" {
			t.Fatalf("retransmission %v / %v", again.attrs, r.attrs)
		}
	})
	t.Run("terminate", func(t *testing.T) {
		r := b.send(`type="terminate"`, `<presence xmlns="jabber:client" type="unavailable"/>`)
		for r.attr("type") != "terminate" {
			r = b.send("", "")
		}
		if r := b.send("", ""); r.attr("type") != "terminate" || r.attr("condition") != "item-not-found" {
			t.Fatalf("request after terminate: %v", r.attrs)
		}
		ws.ping("still-up")
	})
}

func TestBOSHBadRequests(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.MaxStanzaBytes = 4096 })
	url := env.boshServer()
	ws := env.dial()
	ws.login()
	tests := []struct {
		name, body, cond string
	}{
		{"unknown sid", `<body xmlns="http://jabber.org/protocol/httpbind" rid="5" sid="nope"/>`, "item-not-found"},
		{"not xml", `<body`, "bad-request"},
		{"wrong element", `<open xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`, "bad-request"},
		{"doctype", `<!DOCTYPE body><body xmlns="http://jabber.org/protocol/httpbind" rid="5"/>`, "bad-request"},
		{"comment", `<body xmlns="http://jabber.org/protocol/httpbind" rid="5"><!-- x --></body>`, "bad-request"},
		{"no rid", `<body xmlns="http://jabber.org/protocol/httpbind" to="localhost"/>`, "bad-request"},
		{"huge rid", `<body xmlns="http://jabber.org/protocol/httpbind" rid="18446744073709551615"/>`, "bad-request"},
		{"too large", `<body xmlns="http://jabber.org/protocol/httpbind" rid="5">` + strings.Repeat(" ", 8000) + `</body>`, "policy-violation"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			b := &boshClient{t: t, url: url}
			r := b.post(tc.body)
			if r.attr("type") != "terminate" || r.attr("condition") != tc.cond {
				t.Fatalf("got %v, want terminate %s", r.attrs, tc.cond)
			}
		})
	}
	t.Run("far-future rid ends the session", func(t *testing.T) {
		b := env.boshLogin(url)
		r := b.post(b.body(b.rid+10, "", ""))
		if r.attr("type") != "terminate" || r.attr("condition") != "item-not-found" {
			t.Fatalf("got %v", r.attrs)
		}
		if r := b.send("", ""); r.attr("condition") != "item-not-found" {
			t.Fatalf("session still there: %v", r.attrs)
		}
	})
	t.Run("stream error terminates", func(t *testing.T) {
		b := env.boshLogin(url)
		r := b.send("", `<foo xmlns="urn:example"/>`)
		for r.attr("type") != "terminate" {
			r = b.send("", "")
		}
		if r.attr("condition") != "remote-stream-error" || len(r.children) == 0 || !r.children[0].Is(ns.Streams, "error") {
			t.Fatalf("got %v %v", r.attrs, r.children)
		}
	})
	ws.ping("still-up")
}

func TestBOSHInactivity(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.BOSHInactivity = 100 * time.Millisecond })
	url := env.boshServer()
	b := env.boshLogin(url)
	deadline := time.Now().Add(waitTimeout)
	for env.srv.router.byBare(mustParseJID(t, b.jid)) != nil {
		if time.Now().After(deadline) {
			t.Fatal("idle BOSH session not ended")
		}
		time.Sleep(20 * time.Millisecond)
	}
	if r := b.send("", ""); r.attr("condition") != "item-not-found" {
		t.Fatalf("request after inactivity: %v", r.attrs)
	}
}

func TestBOSHCORS(t *testing.T) {
	env := newEnv(t)
	url := env.boshServer()
	req, _ := http.NewRequest(http.MethodOptions, url, bytes.NewReader(nil))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Access-Control-Allow-Origin") != "*" {
		t.Fatalf("preflight %d %v", resp.StatusCode, resp.Header)
	}
}

func mustParseJID(t *testing.T, s string) jid.JID {
	t.Helper()
	j, err := jid.Parse(s)
	if err != nil {
		t.Fatalf("jid %q: %v", s, err)
	}
	return j
}

func TestBOSHClampsWaitAndHold(t *testing.T) {
	env := newEnv(t)
	b := &boshClient{t: t, url: env.boshServer(), rid: 7}
	r := b.post(`<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="7" to="localhost" ` +
		`wait="3600" hold="9" ver="1.6" xmpp:version="1.0"/>`)
	if r.attr("wait") != "60" || r.attr("hold") != "1" || r.attr("requests") != "2" {
		t.Fatalf("session attributes %v, want wait 60, hold 1, requests 2", r.attrs)
	}
}
