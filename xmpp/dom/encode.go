package dom

import (
	"io"
	"strings"
)

// WriteTo serialises e to w, declaring its namespace, and returns the bytes
// written.
func (e *Element) WriteTo(w io.Writer) (int64, error) {
	n, err := io.WriteString(w, e.String())
	return int64(n), err
}

// StringIn serialises e as a child of an element in namespace parentSpace:
// xmlns is omitted when e's namespace equals it (for example top-level
// stanzas in "jabber:client" on a TCP stream).
func (e *Element) StringIn(parentSpace string) string {
	var b strings.Builder
	e.write(&b, parentSpace)
	return b.String()
}

func (e *Element) write(b *strings.Builder, parentSpace string) {
	b.WriteByte('<')
	b.WriteString(e.Local)
	if e.Space != parentSpace && !(e.Space == "" && parentSpace == "\x00") {
		b.WriteString(` xmlns="`)
		escape(b, e.Space, true)
		b.WriteByte('"')
	}
	for _, a := range e.Attrs {
		if a.Name == "" || a.Name == "xmlns" {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(a.Name)
		b.WriteString(`="`)
		escape(b, a.Value, true)
		b.WriteByte('"')
	}
	if e.Text == "" && len(e.Children) == 0 {
		b.WriteString("/>")
		return
	}
	b.WriteByte('>')
	escape(b, e.Text, false)
	for _, c := range e.Children {
		c.write(b, e.Space)
	}
	b.WriteString("</")
	b.WriteString(e.Local)
	b.WriteByte('>')
}

// escape writes s with XML special characters escaped; characters not allowed
// in XML 1.0 are dropped.
func escape(b *strings.Builder, s string, attr bool) {
	for _, r := range s {
		switch {
		case r == '<':
			b.WriteString("&lt;")
		case r == '>':
			b.WriteString("&gt;")
		case r == '&':
			b.WriteString("&amp;")
		case r == '"' && attr:
			b.WriteString("&quot;")
		case r == '\'' && attr:
			b.WriteString("&apos;")
		case r == '\n' && attr:
			b.WriteString("&#xA;")
		case r == '\r':
			b.WriteString("&#xD;")
		case r == '\t' && attr:
			b.WriteString("&#x9;")
		case r == '\t' || r == '\n' || r == '\r' || (r >= 0x20 && r <= 0xD7FF) ||
			(r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF):
			b.WriteRune(r)
		}
	}
}
