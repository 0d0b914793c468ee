package xmpp

import (
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func TestLocalSessionRouting(t *testing.T) {
	env := newEnv(t)
	focus := env.attach("focus@auth.localhost/focus", "focus.localhost")
	jvb := env.attach("jvb@auth.localhost/jvb1")
	tests := []struct {
		name     string
		from     *LocalSession
		stanza   string
		to       *LocalSession
		wantFrom string
		wantCond string // error back to the sender instead
	}{
		{"full jid", focus, `<message xmlns="jabber:client" to="jvb@auth.localhost/jvb1" id="a"/>`, jvb, "focus@auth.localhost/focus", ""},
		{"bare jid message", focus, `<message xmlns="jabber:client" to="jvb@auth.localhost" id="b"/>`, jvb, "focus@auth.localhost/focus", ""},
		{"spoofed from", jvb, `<message xmlns="jabber:client" from="admin@localhost/x" to="focus@auth.localhost/focus" id="c"/>`, focus, "jvb@auth.localhost/jvb1", ""},
		{"alias domain", jvb, `<iq xmlns="jabber:client" type="get" to="focus.localhost" id="d"><ping xmlns="urn:xmpp:ping"/></iq>`, focus, "jvb@auth.localhost/jvb1", ""},
		{"alias from kept", focus, `<message xmlns="jabber:client" from="focus.localhost" to="jvb@auth.localhost/jvb1" id="e"/>`, jvb, "focus.localhost", ""},
		{"server ping", jvb, `<iq xmlns="jabber:client" type="get" to="auth.localhost" id="f"><ping xmlns="urn:xmpp:ping"/></iq>`, jvb, "auth.localhost", ""},
		{"absent resource", jvb, `<iq xmlns="jabber:client" type="get" to="focus@auth.localhost/gone" id="g"><ping xmlns="urn:xmpp:ping"/></iq>`, jvb, "focus@auth.localhost/gone", "service-unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sendLocal(t, tc.from, tc.stanza)
			got := recvLocal(t, tc.to)
			want := dom.MustParse(tc.stanza).Attr("id")
			if got.Attr("id") != want || got.Attr("from") != tc.wantFrom {
				t.Fatalf("got %s, want id %s from %s", got, want, tc.wantFrom)
			}
			if tc.wantCond != "" && got.Child(ns.Client, "error").Child(ns.StanzaErr, tc.wantCond) == nil {
				t.Fatalf("want %s: %s", tc.wantCond, got)
			}
		})
	}
}

func TestLocalSessionLifecycle(t *testing.T) {
	env := newEnv(t)
	ctx := context.Background()
	l := env.attach("focus@auth.localhost/focus", "focus.localhost")
	if _, err := env.srv.Attach(ctx, "focus@auth.localhost/focus"); !errors.Is(err, ErrJIDInUse) {
		t.Errorf("duplicate JID: %v", err)
	}
	if _, err := env.srv.Attach(ctx, "other@auth.localhost/x", "focus.localhost"); !errors.Is(err, ErrAliasInUse) {
		t.Errorf("duplicate alias: %v", err)
	}
	if _, err := env.srv.Attach(ctx, "x@example.org/r"); !errors.Is(err, ErrNotLocal) {
		t.Errorf("foreign JID: %v", err)
	}
	if err := l.Send(ctx, dom.New("urn:example", "iq")); !errors.Is(err, ErrBadStanza) {
		t.Errorf("non-stanza: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := l.Recv(short); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Recv on empty queue: %v", err)
	}
	_ = l.Close()
	if _, err := l.Recv(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after Close: %v", err)
	}
	if err := l.Send(ctx, dom.New(ns.Client, "presence")); !errors.Is(err, ErrClosed) {
		t.Errorf("Send after Close: %v", err)
	}
	again := env.attach("focus@auth.localhost/focus", "focus.localhost")
	_ = env.srv.Close()
	if _, err := again.Recv(ctx); !errors.Is(err, io.EOF) {
		t.Errorf("Recv after server Close: %v", err)
	}
	if _, err := env.srv.Attach(ctx, "late@auth.localhost/x"); !errors.Is(err, ErrClosed) {
		t.Errorf("Attach after Close: %v", err)
	}
}

func TestNewServerConfig(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		ok     bool
	}{
		{"defaults", func(*Config) {}, true},
		{"missing domain", func(c *Config) { c.Domain = "" }, false},
		{"jid as domain", func(c *Config) { c.MUCDomain = "a@b" }, false},
		{"duplicate domain", func(c *Config) { c.MUCDomain = c.InternalMUCDomain }, false},
		{"bad creator", func(c *Config) { c.RoomCreators = []string{"@"} }, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig()
			tc.mutate(&cfg)
			s, err := NewServer(cfg)
			if (err == nil) != tc.ok {
				t.Fatalf("err = %v, want ok=%v", err, tc.ok)
			}
			if err == nil {
				_ = s.Close()
			} else if !errors.Is(err, ErrBadConfig) {
				t.Fatalf("error %v is not ErrBadConfig", err)
			}
		})
	}
}
