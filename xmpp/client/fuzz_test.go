package client

import (
	"bytes"
	"errors"
	"io"
	"testing"

	"mellium.im/xmpp/jid"

	"meetd/xmpp/dom"
)

const fuzzHeader = `<?xml version='1.0'?><stream:stream xmlns='jabber:client' xmlns:stream='http://etherx.jabber.org/streams' from='localhost' id='x' version='1.0'>`

// FuzzStreamReader feeds arbitrary server input to the client's stream
// parser and to everything that reads the parsed elements: errors are
// fine, panics and unbounded elements are not.
func FuzzStreamReader(f *testing.F) {
	for _, s := range []string{
		`<stream:features><starttls xmlns='urn:ietf:params:xml:ns:xmpp-tls'/><mechanisms xmlns='urn:ietf:params:xml:ns:xmpp-sasl'><mechanism>SCRAM-SHA-1</mechanism></mechanisms></stream:features>`,
		`<iq type='result' id='bind-1'><bind xmlns='urn:ietf:params:xml:ns:xmpp-bind'><jid>jvb@localhost/r</jid></bind></iq>`,
		`<iq type='error' id='a' from='localhost'><error type='cancel'><item-not-found xmlns='urn:ietf:params:xml:ns:xmpp-stanzas'/></error></iq>`,
		`<stream:error><conflict xmlns='urn:ietf:params:xml:ns:xmpp-streams'/><text xmlns='urn:ietf:params:xml:ns:xmpp-streams'>bye</text></stream:error>`,
		`<success xmlns='urn:ietf:params:xml:ns:xmpp-sasl'>dj1hYmM=</success> </stream:stream>`,
		`<message><!-- no --></message>`,
		`<a><b><c><d>` + string(bytes.Repeat([]byte("x"), 5000)),
	} {
		f.Add([]byte(s))
	}
	account := jid.MustParse("jvb@localhost")
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newStreamReader(io.MultiReader(bytes.NewReader([]byte(fuzzHeader)), bytes.NewReader(data)), 4096)
		if err := r.header(); err != nil {
			t.Fatalf("valid header refused: %v", err)
		}
		c := &Conn{jid: jid.MustParse("jvb@localhost/r"), pending: map[string]chan *dom.Element{}}
		for i := 0; i < 100; i++ {
			el, err := r.next()
			if err != nil {
				if errors.Is(err, errTooLarge) && r.lim.n > 4096 {
					t.Fatalf("read %d bytes past a 4096 limit", r.lim.n)
				}
				return
			}
			_, _, _ = pickMechanism(el)
			_, _ = parseBound(el, account)
			_ = stanzaCondition(el)
			_ = c.deliverResponse(el)
			requalify(el, "jabber:component:accept", "jabber:client")
		}
	})
}

// FuzzStreamHeader feeds arbitrary bytes as the server's stream header
// (the component handshake reads its id from it).
func FuzzStreamHeader(f *testing.F) {
	f.Add([]byte(fuzzHeader))
	f.Add([]byte(`<stream:stream xmlns:stream='http://etherx.jabber.org/streams' xmlns='jabber:component:accept' id='abc' from='jvb.localhost'>`))
	f.Add([]byte(`<?xml version='1.0'?><stream:error xmlns:stream='http://etherx.jabber.org/streams'><host-unknown xmlns='urn:ietf:params:xml:ns:xmpp-streams'/></stream:error>`))
	f.Add([]byte(`<!DOCTYPE x [<!ENTITY a "b">]><stream:stream>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r := newStreamReader(bytes.NewReader(data), 4096)
		if _, err := r.headerID(); err != nil {
			_ = componentErr(err)
			return
		}
		_, _ = r.next()
	})
}
