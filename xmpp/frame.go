package xmpp

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// parseFrame parses one RFC 7395 message: exactly one element, optionally
// surrounded by whitespace and preceded by an XML declaration. Comments,
// processing instructions and DTDs are refused (restricted XML). A nil
// element with a nil error means the message held only whitespace.
// Unqualified top-level elements are taken to be in jabber:client.
func parseFrame(b []byte) (*dom.Element, error) {
	d := xml.NewDecoder(bytes.NewReader(b))
	d.Strict = true
	var el *dom.Element
	for n := 0; ; n++ {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			return el, nil
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrNotWellFormed, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if el != nil {
				return nil, fmt.Errorf("%w: more than one element", ErrNotWellFormed)
			}
			if el, err = dom.ReadElement(d, t); err != nil {
				return nil, classify(err)
			}
			qualify(el, "", ns.Client)
		case xml.CharData:
			if len(bytes.TrimSpace(t)) != 0 {
				return nil, fmt.Errorf("%w: text outside the element", ErrNotWellFormed)
			}
		case xml.ProcInst:
			if t.Target != "xml" || n != 0 {
				return nil, fmt.Errorf("%w: processing instruction", ErrRestrictedXML)
			}
		default:
			return nil, fmt.Errorf("%w: %T", ErrRestrictedXML, tok)
		}
	}
}

// classify maps a dom.ReadElement failure to a stream-level sentinel.
func classify(err error) error {
	var syn *xml.SyntaxError
	switch {
	case errors.As(err, &syn), errors.Is(err, io.ErrUnexpectedEOF):
		return fmt.Errorf("%w: %w", ErrNotWellFormed, err)
	case errors.Is(err, dom.ErrTooDeep):
		return fmt.Errorf("%w: %w", ErrStanzaTooLarge, err)
	case errors.Is(err, dom.ErrNotStart):
		return fmt.Errorf("%w: %w", ErrRestrictedXML, err)
	}
	return fmt.Errorf("%w: %w", ErrNotWellFormed, err)
}

// qualify puts e and its unqualified descendants into space when they carry
// the namespace from.
func qualify(e *dom.Element, from, space string) {
	if e.Space != from {
		return
	}
	e.Space = space
	for _, c := range e.Children {
		qualify(c, from, space)
	}
}
