package xmpp

import (
	"strconv"
	"strings"
	"testing"
	"time"

	"mellium.im/sasl"
	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// enableSM sends <enable resume/> and returns the resumption id.
func (c *wsClient) enableSM() string {
	c.t.Helper()
	c.send(`<enable xmlns="urn:xmpp:sm:3" resume="true"/>`)
	e := c.recvWhere("enabled", func(e *dom.Element) bool { return e.Space == ns.SM })
	if !e.Is(ns.SM, "enabled") || e.Attr("resume") != "true" || e.Attr("id") == "" {
		c.t.Fatalf("want enabled with resume: %s", e)
	}
	return e.Attr("id")
}

// resumeLogin authenticates a new stream and resumes previd with h.
func (c *wsClient) resumeLogin(previd string, h int) *dom.Element {
	c.t.Helper()
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`)
	c.recv()
	c.recv()
	c.send(`<auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/>`)
	if e := c.recv(); !e.Is(ns.SASL, "success") {
		c.t.Fatalf("want success, got %s", e)
	}
	c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`)
	c.recv()
	c.recv()
	c.send(`<resume xmlns="urn:xmpp:sm:3" previd="` + previd + `" h="` + strconv.Itoa(h) + `"/>`)
	return c.recv()
}

func chat(to, id string) string {
	return `<message xmlns="jabber:client" type="chat" to="` + to + `" id="` + id + `"><body>hi</body></message>`
}

func isMessage(id string) func(*dom.Element) bool {
	return func(e *dom.Element) bool { return e.Local == "message" && e.Attr("id") == id }
}

func TestStreamManagementAcks(t *testing.T) {
	env := newEnv(t)
	a, b := env.dial(), env.dial()
	a.login()
	b.login()
	a.enableSM()
	for i := range smAckEvery {
		b.send(chat(a.jid, "m"+strconv.Itoa(i)))
	}
	a.recvWhere("ack request", func(e *dom.Element) bool { return e.Is(ns.SM, "r") })
	a.send(`<a xmlns="urn:xmpp:sm:3" h="` + strconv.Itoa(smAckEvery) + `"/>`)
	a.ping("p1") // one more stanza in, one more out
	a.send(`<r xmlns="urn:xmpp:sm:3"/>`)
	ack := a.recvWhere("ack", func(e *dom.Element) bool { return e.Is(ns.SM, "a") })
	if ack.Attr("h") != "1" {
		t.Fatalf("server counted %s stanzas from the client, want 1", ack.Attr("h"))
	}
	t.Run("ack too high ends the stream", func(t *testing.T) {
		a.send(`<a xmlns="urn:xmpp:sm:3" h="99"/>`)
		if got := a.expectStreamError(); got != condUndefined {
			t.Fatalf("stream error %q, want %s", got, condUndefined)
		}
		b.ping("still-up")
	})
}

func TestStreamResumption(t *testing.T) {
	env := newEnv(t)
	a, b := env.dial(), env.dial()
	ja := a.login()
	b.login()
	id := a.enableSM()
	b.send(chat(ja, "before"))
	a.recvWhere("message before", isMessage("before"))
	_ = a.conn.Close() // the network drops: no close, no ack
	b.send(chat(ja, "while-away"))
	b.ping("b1") // the message went into the hibernating session, not bounced
	c := env.dial()
	r := c.resumeLogin(id, 0)
	if !r.Is(ns.SM, "resumed") || r.Attr("previd") != id || r.Attr("h") != "0" {
		t.Fatalf("want resumed h=0: %s", r)
	}
	c.recvWhere("resent message", isMessage("before"))
	c.recvWhere("queued message", isMessage("while-away"))
	c.jid = ja
	c.ping("c1")
	b.send(chat(ja, "after"))
	if m := c.recvWhere("message after", isMessage("after")); m.Attr("to") != ja {
		t.Fatalf("resumed session has another JID: %s", m)
	}
	t.Run("token is single-use while served", func(t *testing.T) {
		d := env.dial()
		if r := d.resumeLogin("unknown", 0); !r.Is(ns.SM, "failed") {
			t.Fatalf("unknown previd: %s", r)
		}
	})
}

func TestResumeTakesOverLiveStream(t *testing.T) {
	env := newEnv(t)
	a := env.dial()
	ja := a.login()
	id := a.enableSM()
	c := env.dial()
	if r := c.resumeLogin(id, 0); !r.Is(ns.SM, "resumed") {
		t.Fatalf("want resumed: %s", r)
	}
	_ = a.conn.SetReadDeadline(time.Now().Add(waitTimeout))
	for {
		if _, _, err := a.conn.ReadMessage(); err != nil {
			break // the old connection was closed
		}
	}
	c.jid = ja
	c.ping("c1")
}

func TestHibernationExpires(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.ResumeTimeout = 100 * time.Millisecond })
	a, b := env.dial(), env.dial()
	ja := a.login()
	b.login()
	id := a.enableSM()
	_ = a.conn.Close()
	if env.srv.router.byFull(jid.MustParse(ja)) == nil {
		t.Fatal("session gone before the hibernation time")
	}
	deadline := time.Now().Add(waitTimeout)
	for env.srv.router.byFull(jid.MustParse(ja)) != nil {
		if time.Now().After(deadline) {
			t.Fatal("hibernating session never expired")
		}
		time.Sleep(20 * time.Millisecond)
	}
	b.send(chat(ja, "late"))
	if r := b.recvWhere("bounce", isMessage("late")); r.Attr("type") != "error" {
		t.Fatalf("message to the expired session: %s", r)
	}
	c := env.dial()
	if r := c.resumeLogin(id, 0); !r.Is(ns.SM, "failed") {
		t.Fatalf("resume after expiry: %s", r)
	}
}

func TestCleanCloseIsNotResumable(t *testing.T) {
	env := newEnv(t)
	a := env.dial()
	a.login()
	id := a.enableSM()
	a.send(`<close xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`)
	a.recvRaw()
	c := env.dial()
	if r := c.resumeLogin(id, 0); !r.Is(ns.SM, "failed") {
		t.Fatalf("resume after close: %s", r)
	}
}

// TestResumeIdentity: like Prosody's mod_smacks, only the same login may
// resume a session — the same account, a guest a guest session, a token a
// session of a token granting the same. A refused attempt leaves the
// session to its owner, who still resumes it.
func TestResumeIdentity(t *testing.T) {
	leakCheck(t)
	const pw = "resume-pw-1"
	env := newEnv(t, withJWT(false), withAccounts(account(t, "alice@localhost", pw, false), account(t, "bob@localhost", pw, false)))
	token := func(id string) string {
		return "token=" + signHS(t, with(goodClaims(), "context", map[string]any{"user": map[string]any{"id": id}}), []byte(testSecret))
	}
	// authenticate runs SASL on a new stream as who.
	authenticate := func(who string) *wsClient {
		query, mech := "", "ANONYMOUS"
		if strings.HasPrefix(who, "token ") {
			query = token(strings.TrimPrefix(who, "token "))
		}
		c, _ := env.dialQ(query, "")
		c.openStream("localhost")
		var e *dom.Element
		if who == "alice" || who == "bob" {
			e = c.scram(sasl.ScramSha256, who, pw)
		} else {
			e = c.auth(mech, nil)
		}
		if !e.Is(ns.SASL, "success") {
			t.Fatalf("%s: login: %s", who, e)
		}
		return c
	}
	resume := func(who, previd string) bool {
		c := authenticate(who)
		c.send(`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`)
		c.recv()
		c.recv()
		c.send(`<resume xmlns="urn:xmpp:sm:3" previd="` + previd + `" h="0"/>`)
		return c.recv().Is(ns.SM, "resumed")
	}
	tests := []struct{ owner, resumer string }{
		{"alice", "alice"}, {"alice", "bob"}, {"alice", "guest"}, {"alice", "token u1"},
		{"guest", "guest"}, {"guest", "alice"}, {"guest", "token u1"},
		{"token u1", "token u1"}, {"token u1", "token u2"}, {"token u1", "guest"}, {"token u1", "alice"},
	}
	for _, tt := range tests {
		t.Run(tt.owner+" by "+tt.resumer, func(t *testing.T) {
			o := authenticate(tt.owner)
			o.bindAfterSASL("localhost")
			id := o.enableSM()
			_ = o.conn.Close() // the network drops
			want := tt.owner == tt.resumer || (tt.owner == "guest" && tt.resumer == "guest")
			if got := resume(tt.resumer, id); got != want {
				t.Fatalf("resumed %v, want %v", got, want)
			}
			if !want && !resume(tt.owner, id) {
				t.Fatal("the owner cannot resume after a refused attempt")
			}
		})
	}
}

// TestHibernatingOccupantStays: while a session hibernates its occupant
// stays in the room; when the hibernation expires the others get its
// unavailable presence.
func TestHibernatingOccupantStays(t *testing.T) {
	env := newEnv(t, func(c *Config) { c.ResumeTimeout = 300 * time.Millisecond })
	focus := focusRoom(t, env)
	a := joinClient(t, env, "aaaa1111")
	a.enableSM()
	recvLocalWhere(t, focus, "join of a", func(e *dom.Element) bool { return e.Attr("from") == room+"/aaaa1111" })
	_ = a.conn.Close()
	start := time.Now()
	gone := recvLocalWhere(t, focus, "unavailable of a", func(e *dom.Element) bool {
		return e.Attr("from") == room+"/aaaa1111" && e.Attr("type") == "unavailable"
	})
	if waited := time.Since(start); waited < 250*time.Millisecond {
		t.Fatalf("occupant left %v after the drop, before the hibernation time", waited)
	}
	_ = gone
}

func TestSMStateCounters(t *testing.T) {
	msg := func() *dom.Element { return dom.New(ns.Client, "message") }
	t.Run("ack drops acknowledged stanzas", func(t *testing.T) {
		st := &smState{}
		for range 3 {
			st.sent(msg())
		}
		if !st.ack(2) || len(st.unacked) != 1 {
			t.Fatalf("after ack 2 of 3: %d unacked", len(st.unacked))
		}
		if st.ack(4) {
			t.Fatal("ack for a stanza never sent accepted")
		}
		if !st.ack(2) || len(st.unacked) != 1 {
			t.Fatal("repeated ack changed the queue")
		}
	})
	t.Run("ack request after smAckEvery", func(t *testing.T) {
		st := &smState{}
		requests := 0
		for range 2 * smAckEvery {
			if r, _ := st.sent(msg()); r {
				requests++
			}
		}
		if requests != 1 {
			t.Fatalf("%d ack requests while one is outstanding, want 1", requests)
		}
	})
	t.Run("unacked queue is bounded", func(t *testing.T) {
		st := &smState{}
		for i := 0; i < smMaxUnacked; i++ {
			if _, ok := st.sent(msg()); !ok {
				t.Fatalf("refused at %d", i)
			}
		}
		if _, ok := st.sent(msg()); ok {
			t.Fatal("stanza beyond smMaxUnacked accepted")
		}
	})
	t.Run("counters wrap at 2^32", func(t *testing.T) {
		st := &smState{out: 1<<32 - 2}
		for range 4 {
			st.sent(msg())
		}
		in, resend, ok := st.resumeAt(1<<32 - 1)
		if !ok || len(resend) != 3 || in != 0 {
			t.Fatalf("resume across the wrap: ok %v, %d to resend", ok, len(resend))
		}
		if _, _, ok := st.resumeAt(5); ok {
			t.Fatal("resume with h beyond what was sent accepted")
		}
	})
}
