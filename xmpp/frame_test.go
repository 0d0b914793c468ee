package xmpp

import (
	"errors"
	"testing"

	"meetd/xmpp/ns"
)

func TestParseFrame(t *testing.T) {
	tests := []struct {
		name, in string
		want     error
		local    string
	}{
		{"stanza", `<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`, nil, "iq"},
		{"unqualified gets jabber:client", `<presence><stats-id>x</stats-id></presence>`, nil, "presence"},
		{"xml declaration", `<?xml version="1.0"?><open xmlns="urn:ietf:params:xml:ns:xmpp-framing"/>`, nil, "open"},
		{"whitespace only", " \n", nil, ""},
		{"late declaration", `<a/><?xml version="1.0"?>`, ErrRestrictedXML, ""},
		{"doctype", `<!DOCTYPE a><a/>`, ErrRestrictedXML, ""},
		{"comment", `<a><!-- c --></a>`, ErrRestrictedXML, ""},
		{"entity", `<a>&lol;</a>`, ErrNotWellFormed, ""},
		{"unclosed", `<a><b></a>`, ErrNotWellFormed, ""},
		{"truncated", `<a><b>`, ErrNotWellFormed, ""},
		{"text outside", `hello<a/>`, ErrNotWellFormed, ""},
		{"bad utf-8", "<a>\xff</a>", ErrNotWellFormed, ""},
		{"nul", "<a>\x00</a>", ErrNotWellFormed, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := parseFrame([]byte(tc.in))
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
			if tc.want != nil {
				return
			}
			if (e == nil && tc.local != "") || (e != nil && e.Local != tc.local) {
				t.Fatalf("element %v, want %q", e, tc.local)
			}
			if e != nil && e.Local == "presence" && (e.Space != ns.Client || e.FirstChild().Space != ns.Client) {
				t.Fatalf("not qualified: %s", e)
			}
		})
	}
}

// FuzzParseFrame: any input parses or fails with a stream-level sentinel,
// never panics, and a parsed element re-parses to the same serialisation.
func FuzzParseFrame(f *testing.F) {
	for _, s := range []string{
		`<open xmlns="urn:ietf:params:xml:ns:xmpp-framing" to="localhost" version="1.0"/>`,
		`<presence xmlns="jabber:client" to="r@conference.localhost/n"><x xmlns="http://jabber.org/protocol/muc"/></presence>`,
		`<!DOCTYPE a [<!ENTITY b "c">]><a>&b;</a>`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := parseFrame(b)
		if err != nil {
			if !errors.Is(err, ErrNotWellFormed) && !errors.Is(err, ErrRestrictedXML) && !errors.Is(err, ErrStanzaTooLarge) {
				t.Fatalf("unclassified error %v", err)
			}
			return
		}
		if e == nil {
			return
		}
		out := e.String()
		e2, err := parseFrame([]byte(out))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", out, err)
		}
		if e2.String() != out {
			t.Fatalf("round trip changed %q to %q", out, e2.String())
		}
	})
}
