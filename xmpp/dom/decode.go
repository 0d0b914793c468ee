package dom

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
)

// MaxDepth is the deepest nesting ReadElement accepts.
const MaxDepth = 64

const nsXML = "http://www.w3.org/XML/1998/namespace"

// Parse reads exactly one element from b. Anything after it other than
// whitespace is ignored.
func Parse(b []byte) (*Element, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	for {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				return nil, fmt.Errorf("dom: no element: %w", io.ErrUnexpectedEOF)
			}
			return nil, fmt.Errorf("dom: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			return ReadElement(d, t)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, fmt.Errorf("dom: text before element: %w", ErrNotStart)
			}
		case xml.Directive, xml.Comment:
			return nil, fmt.Errorf("dom: restricted XML (%T): %w", tok, ErrNotStart)
		}
	}
}

// MustParse parses s and panics on error. For tests and constant stanzas only.
func MustParse(s string) *Element {
	e, err := Parse([]byte(s))
	if err != nil {
		panic(err)
	}
	return e
}

// ReadElement builds the element whose start tag was just read from d,
// consuming tokens up to and including its end tag. Comments, processing
// instructions and directives inside it are rejected (restricted XML).
func ReadElement(d *xml.Decoder, start xml.StartElement) (*Element, error) {
	root, err := fromStart(start)
	if err != nil {
		return nil, err
	}
	stack := []*Element{root}
	text := make([]bytes.Buffer, 1)
	for len(stack) > 0 {
		tok, err := d.Token()
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return nil, fmt.Errorf("dom: %w", err)
		}
		top := stack[len(stack)-1]
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, ErrTooDeep
			}
			c, err := fromStart(t)
			if err != nil {
				return nil, err
			}
			top.Children = append(top.Children, c)
			stack = append(stack, c)
			text = append(text, bytes.Buffer{})
		case xml.EndElement:
			top.Text = text[len(text)-1].String()
			stack = stack[:len(stack)-1]
			text = text[:len(text)-1]
		case xml.CharData:
			text[len(text)-1].Write(t)
		default:
			return nil, fmt.Errorf("dom: restricted XML (%T): %w", tok, ErrNotStart)
		}
	}
	return root, nil
}

func fromStart(s xml.StartElement) (*Element, error) {
	if !validName(s.Name.Local) {
		return nil, fmt.Errorf("dom: invalid element name %q: %w", s.Name.Local, ErrBadName)
	}
	if unboundPrefix(s.Name.Space) {
		return nil, fmt.Errorf("dom: undeclared prefix %q: %w", s.Name.Space, ErrBadName)
	}
	e := &Element{Space: s.Name.Space, Local: s.Name.Local}
	for _, a := range s.Attr {
		switch {
		case a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns"):
			continue
		case a.Name.Space == nsXML || a.Name.Space == "xml":
			e.Attrs = append(e.Attrs, Attr{Name: "xml:" + a.Name.Local, Value: a.Value})
		case unboundPrefix(a.Name.Space):
			return nil, fmt.Errorf("dom: undeclared attribute prefix %q: %w", a.Name.Space, ErrBadName)
		case a.Name.Space == "" && validName(a.Name.Local):
			e.Attrs = append(e.Attrs, Attr{Name: a.Name.Local, Value: a.Value})
		case a.Name.Space == "":
			return nil, fmt.Errorf("dom: invalid attribute name %q: %w", a.Name.Local, ErrBadName)
		}
	}
	return e, nil
}
