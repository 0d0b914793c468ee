package stz

import (
	"testing"

	"meetd/xmpp/dom"
	"meetd/xmpp/internal/ns"
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
	r := ErrorReply(req, ServiceUnavailable, "gone")
	if r.Attr("type") != "error" || r.Attr("id") != "7" || r.Attr("to") != "a@x/r" || r.Attr("from") != "b@x" {
		t.Fatalf("addressing %s", r)
	}
	e := r.Child(ns.Client, "error")
	if e.Attr("type") != "cancel" || e.Child(ns.StanzaErr, "service-unavailable") == nil ||
		e.Child(ns.StanzaErr, "text").Text != "gone" || r.Child(ns.Ping, "ping") == nil {
		t.Fatalf("error element %s", r)
	}
	res := Result(req)
	if res.Attr("type") != "result" || res.Attr("to") != "a@x/r" || len(res.Children) != 0 {
		t.Fatalf("result %s", res)
	}
}
