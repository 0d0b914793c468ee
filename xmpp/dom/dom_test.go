package dom

import (
	"strings"
	"testing"
)

func TestParseRoundTrip(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"iq", `<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`,
			`<iq xmlns="jabber:client" type="get" id="1"><ping xmlns="urn:xmpp:ping"/></iq>`},
		{"prefix", `<a:x xmlns:a="urn:a" b="1"><a:y>t&amp;</a:y></a:x>`,
			`<x xmlns="urn:a" b="1"><y>t&amp;</y></x>`},
		{"lang", `<body xmlns="jabber:client" xml:lang="en">hi "x"</body>`,
			`<body xmlns="jabber:client" xml:lang="en">hi "x"</body>`},
		{"attr escape", `<m xmlns="" v="&lt;&quot;&#10;"/>`, `<m v="&lt;&quot;&#xA;"/>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e, err := Parse([]byte(tc.in))
			if err != nil {
				t.Fatal(err)
			}
			if got := e.String(); got != tc.want {
				t.Fatalf("got %s\nwant %s", got, tc.want)
			}
			again, err := Parse([]byte(e.String()))
			if err != nil || again.String() != e.String() {
				t.Fatalf("second round trip: %v %s", err, again)
			}
		})
	}
}

func TestParseRejects(t *testing.T) {
	tests := []struct{ name, in string }{
		{"doctype", `<!DOCTYPE x><x/>`},
		{"comment inside", `<x><!-- c --></x>`},
		{"pi inside", `<x><?pi x?></x>`},
		{"unclosed", `<x><y></x>`},
		{"deep", strings.Repeat("<a>", MaxDepth+1) + strings.Repeat("</a>", MaxDepth+1)},
		{"empty", ``},
		{"undeclared prefix", `<evil:body>x</evil:body>`},
		{"undeclared attribute prefix", `<x evil:a="1"/>`},
		{"undeclared child prefix", `<x xmlns="jabber:client"><evil:y/></x>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if e, err := Parse([]byte(tc.in)); err == nil {
				t.Fatalf("accepted %s", e)
			}
		})
	}
}

func TestHelpers(t *testing.T) {
	e := New("jabber:client", "presence").SetAttr("to", "a@b/c")
	x := e.AddNew("http://jabber.org/protocol/muc#user", "x")
	x.AddNew("http://jabber.org/protocol/muc#user", "item").SetAttr("role", "moderator")
	if e.Child("", "x") != x || e.Child("other", "x") != nil {
		t.Fatal("Child lookup")
	}
	c := e.Copy()
	c.SetAttr("to", "z")
	if e.Attr("to") != "a@b/c" {
		t.Fatal("Copy is shallow")
	}
	want := `<presence xmlns="jabber:client" to="a@b/c"><x xmlns="http://jabber.org/protocol/muc#user"><item role="moderator"/></x></presence>`
	if e.String() != want {
		t.Fatalf("got %s", e)
	}
	if got := e.StringIn("jabber:client"); !strings.HasPrefix(got, `<presence to=`) {
		t.Fatalf("StringIn: %s", got)
	}
	e.RemoveChildren("", "x")
	if len(e.Children) != 0 {
		t.Fatal("RemoveChildren")
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte(`<iq xmlns="jabber:client" type="get"><query xmlns="x"/></iq>`))
	f.Add([]byte(`<a:x xmlns:a="urn:a" xml:lang="de">t</a:x>`))
	f.Fuzz(func(t *testing.T, b []byte) {
		e, err := Parse(b)
		if err != nil {
			return
		}
		again, err := Parse([]byte(e.String()))
		if err != nil {
			t.Fatalf("re-parse of %q: %v", e.String(), err)
		}
		if again.String() != e.String() {
			t.Fatalf("unstable: %q vs %q", e.String(), again.String())
		}
	})
}
