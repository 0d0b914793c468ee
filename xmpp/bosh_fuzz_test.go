package xmpp

import (
	"errors"
	"testing"
)

// FuzzBOSHBody: any request body either parses, and its elements survive a
// response round trip, or fails with a classified error; never a panic.
func FuzzBOSHBody(f *testing.F) {
	for _, s := range []string{
		`<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="1" to="localhost" wait="60" hold="1" ver="1.6" xmpp:version="1.0"/>`,
		`<body xmlns="http://jabber.org/protocol/httpbind" rid="2" sid="s"><auth xmlns="urn:ietf:params:xml:ns:xmpp-sasl" mechanism="ANONYMOUS"/></body>`,
		`<body xmlns="http://jabber.org/protocol/httpbind" xmlns:xmpp="urn:xmpp:xbosh" rid="3" sid="s" xmpp:restart="true"/>`,
		`<body xmlns="http://jabber.org/protocol/httpbind" rid="4" sid="s" type="terminate"><presence type="unavailable"/></body>`,
		`<?xml version="1.0"?><body xmlns="http://jabber.org/protocol/httpbind" rid="5"><!-- c --></body>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, raw []byte) {
		b, err := parseBOSHBody(raw)
		if err != nil {
			if !errors.Is(err, ErrNotWellFormed) && !errors.Is(err, ErrRestrictedXML) && !errors.Is(err, ErrStanzaTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		out := boshResponse([]string{"sid", b.attr("sid")}, b.children)
		b2, err := parseBOSHBody(out)
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if len(b2.children) != len(b.children) {
			t.Fatalf("round trip of %q lost elements", out)
		}
		for i := range b.children {
			if b2.children[i].String() != b.children[i].String() {
				t.Fatalf("round trip changed %q to %q", b.children[i], b2.children[i])
			}
		}
	})
}
