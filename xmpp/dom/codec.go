package dom

import (
	"encoding/xml"
	"fmt"
)

// Unmarshal decodes e into v with encoding/xml, for typed views of stanza
// payloads such as Colibri2 or Jingle.
func Unmarshal(e *Element, v any) error {
	if e == nil {
		return fmt.Errorf("dom: unmarshal of nil element: %w", ErrNotStart)
	}
	if err := xml.Unmarshal([]byte(e.String()), v); err != nil {
		return fmt.Errorf("dom: unmarshal %s: %w", e.Local, err)
	}
	return nil
}

// Marshal encodes v with encoding/xml and returns it as an Element.
func Marshal(v any) (*Element, error) {
	b, err := xml.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("dom: marshal: %w", err)
	}
	return Parse(b)
}
