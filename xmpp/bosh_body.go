package xmpp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// boshBody is one parsed BOSH request: the <body/> wrapper's attributes
// (namespaced ones keyed "ns local", e.g. "urn:xmpp:xbosh restart") and
// the elements it carries.
type boshBody struct {
	attrs    map[string]string
	children []*dom.Element
}

func (b *boshBody) attr(name string) string { return b.attrs[name] }

// restart reports xmpp:restart="true" (XEP-0206 §5).
func (b *boshBody) restart() bool {
	v := b.attrs[ns.XBOSH+" restart"]
	return v == "true" || v == "1"
}

// parseBOSHBody parses a request: one <body/> in the httpbind namespace,
// optionally preceded by an XML declaration, holding whole elements.
// Restricted XML is refused as on the other transports; unqualified
// children are taken to be jabber:client.
func parseBOSHBody(raw []byte) (*boshBody, error) {
	d := xml.NewDecoder(bytes.NewReader(raw))
	d.Strict = true
	start, err := boshStart(d)
	if err != nil {
		return nil, err
	}
	b := &boshBody{attrs: map[string]string{}}
	for _, a := range start.Attr {
		if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
			continue
		}
		key := a.Name.Local
		if a.Name.Space != "" {
			key = a.Name.Space + " " + a.Name.Local
		}
		b.attrs[key] = a.Value
	}
	if err := b.readChildren(d); err != nil {
		return nil, err
	}
	return b, boshTrailer(d)
}

// boshStart skips the prolog and returns the <body> start tag.
func boshStart(d *xml.Decoder) (xml.StartElement, error) {
	for n := 0; ; n++ {
		tok, err := d.Token()
		if err != nil {
			return xml.StartElement{}, fmt.Errorf("%w: %w", ErrNotWellFormed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if t.Name.Space != ns.HTTPBind || t.Name.Local != "body" {
				return xml.StartElement{}, fmt.Errorf("%w: not a BOSH body", ErrNotWellFormed)
			}
			return t, nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return xml.StartElement{}, fmt.Errorf("%w: text before body", ErrNotWellFormed)
			}
		case xml.ProcInst:
			if t.Target != "xml" || n != 0 {
				return xml.StartElement{}, fmt.Errorf("%w: processing instruction", ErrRestrictedXML)
			}
		default:
			return xml.StartElement{}, fmt.Errorf("%w: %T", ErrRestrictedXML, tok)
		}
	}
}

func (b *boshBody) readChildren(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotWellFormed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el, err := dom.ReadElement(d, t)
			if err != nil {
				return classify(err)
			}
			qualify(el, ns.HTTPBind, ns.Client)
			b.children = append(b.children, el)
		case xml.EndElement:
			return nil
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return fmt.Errorf("%w: text in body", ErrNotWellFormed)
			}
		default:
			return fmt.Errorf("%w: %T", ErrRestrictedXML, tok)
		}
	}
}

// boshTrailer accepts only whitespace after </body>.
func boshTrailer(d *xml.Decoder) error {
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%w: %w", ErrNotWellFormed, err)
		}
		if t, ok := tok.(xml.CharData); !ok || len(bytes.TrimSpace(t)) != 0 {
			return fmt.Errorf("%w: content after body", ErrNotWellFormed)
		}
	}
}

// boshResponse serializes a response body with attrs (name, value pairs in
// order) around the elements, with the stream prefix strophe.js expects on
// features and errors.
func boshResponse(attrs []string, els []*dom.Element) []byte {
	var b strings.Builder
	b.WriteString(`<body xmlns="` + ns.HTTPBind + `" xmlns:xmpp="` + ns.XBOSH + `" xmlns:stream="` + ns.Streams + `"`)
	for i := 0; i+1 < len(attrs); i += 2 {
		b.WriteString(" " + attrs[i] + `="`)
		_ = xml.EscapeText(&b, []byte(attrs[i+1]))
		b.WriteString(`"`)
	}
	if len(els) == 0 {
		b.WriteString("/>")
		return []byte(b.String())
	}
	b.WriteString(">")
	for _, e := range els {
		b.WriteString(streamPrefixed(e))
	}
	b.WriteString("</body>")
	return []byte(b.String())
}

// streamPrefixed writes stream-namespace elements as stream:name (the
// prefix is declared by the enclosing body), everything else as is.
func streamPrefixed(e *dom.Element) string {
	if e.Space != ns.Streams {
		return e.String()
	}
	var b strings.Builder
	b.WriteString("<stream:" + e.Local + ">")
	for _, c := range e.Children {
		b.WriteString(c.String())
	}
	b.WriteString("</stream:" + e.Local + ">")
	return b.String()
}
