package stanza

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

func TestMayBounce(t *testing.T) {
	tests := []struct {
		in   string
		want bool
	}{
		{`<iq type="get"/>`, true},
		{`<iq type="set"/>`, true},
		{`<iq type="result"/>`, false},
		{`<iq type="error"/>`, false},
		{`<message/>`, true},
		{`<message type="error"/>`, false},
		{`<presence/>`, false},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			if got := MayBounce(dom.MustParse(tc.in)); got != tc.want {
				t.Fatalf("MayBounce = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestErrorReply(t *testing.T) {
	req := dom.MustParse(`<iq xmlns="jabber:client" type="get" id="7" from="a@x/r" to="b@x"><ping xmlns="urn:xmpp:ping"/></iq>`)
	app := dom.New(ns.JingleErrors, "unknown-session")
	tests := []struct {
		name        string
		reply       *dom.Element
		wantPayload bool
		wantApp     bool
		wantType    string
	}{
		{"bounce keeps payload", Bounce(req, ServiceUnavailable, "gone"), true, false, "cancel"},
		{"reply without payload", ErrorReply(req, ServiceUnavailable, "gone"), false, false, "cancel"},
		{"reply with app condition", ErrorReply(req, ItemNotFound.WithType("wait"), "gone", app), false, true, "wait"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.reply
			if r.Attr("type") != "error" || r.Attr("id") != "7" || r.Attr("to") != "a@x/r" || r.Attr("from") != "b@x" {
				t.Fatalf("addressing %s", r)
			}
			e := r.Child(ns.Client, "error")
			if e.Attr("type") != tc.wantType || e.Child(ns.StanzaErr, "text").Text != "gone" {
				t.Fatalf("error element %s", r)
			}
			if got := r.Child(ns.Ping, "ping") != nil; got != tc.wantPayload {
				t.Fatalf("payload copied = %v, want %v: %s", got, tc.wantPayload, r)
			}
			if got := e.Child(ns.JingleErrors, "unknown-session") != nil; got != tc.wantApp {
				t.Fatalf("application condition = %v, want %v: %s", got, tc.wantApp, r)
			}
			want := ServiceUnavailable.Name
			if tc.wantApp {
				want = ItemNotFound.Name
			}
			if got := ErrorCondition(r); got != want {
				t.Fatalf("ErrorCondition = %q, want %q", got, want)
			}
		})
	}
	res := Result(req)
	if res.Attr("type") != "result" || res.Attr("to") != "a@x/r" || len(res.Children) != 0 || ErrorCondition(res) != "" {
		t.Fatalf("result %s", res)
	}
}

func TestIQ(t *testing.T) {
	a, b := IQ("set", "focus@x"), IQ("get", "")
	if a.Attr("type") != "set" || a.Attr("to") != "focus@x" || len(a.Attr("id")) != 16 {
		t.Fatalf("iq %s", a)
	}
	if _, ok := b.LookupAttr("to"); ok || a.Attr("id") == b.Attr("id") {
		t.Fatalf("iq %s after %s", b, a)
	}
}
