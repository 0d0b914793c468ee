package web

import (
	"bytes"
	"strings"
	"testing"
)

func testSSIEnv() ssiEnv {
	files := map[string]string{
		"/config.js": "var config = {};",
		"frag.html":  "[frag <!--# echo var=\"subdir\" default=\"-\" -->]",
		"loop.html":  "<!--#include virtual=\"loop.html\" -->x",
		"plain.js":   "<!--# echo var=\"subdir\" -->",
	}
	return ssiEnv{
		vars: map[string]string{"subdir": "t/", "evil": `"><script>alert(1)</script>`},
		include: func(p string) ([]byte, bool) {
			f, ok := files[p]
			return []byte(f), ok && strings.HasSuffix(p, ".html")
		},
	}
}

func TestExpandSSI(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"no directives", "<p>plain</p>", "<p>plain</p>"},
		{"include script", `<script><!--#include virtual="/config.js" --></script>`, "<script>var config = {};</script>"},
		{"include expands html fragments", `<!--#include virtual="frag.html" -->`, "[frag t/]"},
		{"include does not expand scripts", `<!--#include virtual="plain.js" -->`, `<!--# echo var="subdir" -->`},
		{"missing include is empty", `a<!--#include virtual="nope.html" -->b`, "ab"},
		{"echo", `<!--# echo var="subdir" default="" -->`, "t/"},
		{"echo without space", `<!--#echo var="subdir"-->`, "t/"},
		{"echo default", `<!--# echo var="subdomain" default="none" -->`, "none"},
		{"echo unset without default", `<!--# echo var="subdomain" -->`, "(none)"},
		{"echo escapes", `<!--# echo var="evil" -->`, "&#34;&gt;&lt;script&gt;alert(1)&lt;/script&gt;"},
		{"echo single quotes", `<!--# echo var='subdir' -->`, "t/"},
		{"echo url encoding", `<!--# echo var="evil" encoding="url" -->`, "%22%3E%3Cscript%3Ealert%281%29%3C%2Fscript%3E"},
		{"unknown command dropped", `a<!--# if expr="$x" -->b`, "ab"},
		{"unterminated copied", `a<!--# echo var="subdir"`, `a<!--# echo var="subdir"`},
		{"normal comment kept", "<!-- note -->", "<!-- note -->"},
		{"recursion bounded", `<!--#include virtual="loop.html" -->`, "xxxx"},
		{"broken params", `<!--# echo var=subdir -->|<!--# echo var="x -->|`, "(none)|(none)|"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			expandSSI(&b, []byte(tt.in), testSSIEnv(), 0)
			if b.String() != tt.want {
				t.Errorf("expandSSI(%q) = %q, want %q", tt.in, b.String(), tt.want)
			}
		})
	}
}

// FuzzExpandSSI: any input expands without panicking, and text without a
// directive comes out unchanged.
func FuzzExpandSSI(f *testing.F) {
	for _, s := range []string{
		`<script><!--#include virtual="/config.js" --></script>`,
		`<!--# echo var="subdir" default="" -->`, `<!--#include virtual="frag.html" -->`,
		`<!--# echo var='x' encoding="url" default='d' a="b" c="d" e="f" g="h" i="j" -->`, `<!--#`, `-->`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, in []byte) {
		var b bytes.Buffer
		expandSSI(&b, in, testSSIEnv(), 0)
		if !bytes.Contains(in, []byte(ssiOpen)) && !bytes.Equal(b.Bytes(), in) {
			t.Fatalf("text without directives changed: %q -> %q", in, b.Bytes())
		}
		if b.Len() > 64*len(in)+64 {
			t.Fatalf("output %d bytes for %d input bytes", b.Len(), len(in))
		}
	})
}
