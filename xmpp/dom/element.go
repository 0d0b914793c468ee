package dom

import (
	"strings"
)

// Attr is one attribute. Name is the local name, or "xml:lang" for the XML
// namespace; other namespaced attributes are not kept.
type Attr struct {
	Name  string
	Value string
}

// Element is one XML element with resolved namespace, attributes, child
// elements and character data. Mixed content is flattened: Text holds all
// character data of this element, written before its children.
type Element struct {
	Space    string // namespace URI
	Local    string // local name
	Attrs    []Attr
	Children []*Element
	Text     string
}

// New returns an element with the given namespace and local name.
func New(space, local string) *Element {
	return &Element{Space: space, Local: local}
}

// Attr returns the value of the named attribute, or "" when absent.
func (e *Element) Attr(name string) string {
	v, _ := e.LookupAttr(name)
	return v
}

// LookupAttr returns the value of the named attribute and whether it exists.
func (e *Element) LookupAttr(name string) (string, bool) {
	if e == nil {
		return "", false
	}
	for _, a := range e.Attrs {
		if a.Name == name {
			return a.Value, true
		}
	}
	return "", false
}

// SetAttr sets (or replaces) an attribute and returns e for chaining.
func (e *Element) SetAttr(name, value string) *Element {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name {
			e.Attrs[i].Value = value
			return e
		}
	}
	e.Attrs = append(e.Attrs, Attr{Name: name, Value: value})
	return e
}

// RemoveAttr deletes an attribute if present.
func (e *Element) RemoveAttr(name string) {
	for i := range e.Attrs {
		if e.Attrs[i].Name == name {
			e.Attrs = append(e.Attrs[:i], e.Attrs[i+1:]...)
			return
		}
	}
}

// SetText sets the character data and returns e for chaining.
func (e *Element) SetText(s string) *Element {
	e.Text = s
	return e
}

// Add appends children and returns e for chaining.
func (e *Element) Add(children ...*Element) *Element {
	for _, c := range children {
		if c != nil {
			e.Children = append(e.Children, c)
		}
	}
	return e
}

// AddNew appends a new child with the given namespace and name and returns it.
func (e *Element) AddNew(space, local string) *Element {
	c := New(space, local)
	e.Children = append(e.Children, c)
	return c
}

// Is reports whether e has the given namespace and local name. An empty space
// matches any namespace.
func (e *Element) Is(space, local string) bool {
	return e != nil && e.Local == local && (space == "" || e.Space == space)
}

// Child returns the first child with the given namespace and local name, or
// nil. An empty space matches any namespace.
func (e *Element) Child(space, local string) *Element {
	if e == nil {
		return nil
	}
	for _, c := range e.Children {
		if c.Is(space, local) {
			return c
		}
	}
	return nil
}

// ChildrenNamed returns all children with the given namespace and local name.
// An empty space matches any namespace.
func (e *Element) ChildrenNamed(space, local string) []*Element {
	if e == nil {
		return nil
	}
	var out []*Element
	for _, c := range e.Children {
		if c.Is(space, local) {
			out = append(out, c)
		}
	}
	return out
}

// RemoveChildren deletes every child with the given namespace and local name.
func (e *Element) RemoveChildren(space, local string) {
	kept := e.Children[:0]
	for _, c := range e.Children {
		if !c.Is(space, local) {
			kept = append(kept, c)
		}
	}
	for i := len(kept); i < len(e.Children); i++ {
		e.Children[i] = nil
	}
	e.Children = kept
}

// FirstChild returns the first child element or nil.
func (e *Element) FirstChild() *Element {
	if e == nil || len(e.Children) == 0 {
		return nil
	}
	return e.Children[0]
}

// Copy returns a deep copy of e.
func (e *Element) Copy() *Element {
	if e == nil {
		return nil
	}
	c := &Element{Space: e.Space, Local: e.Local, Text: e.Text}
	if len(e.Attrs) > 0 {
		c.Attrs = append([]Attr(nil), e.Attrs...)
	}
	if len(e.Children) > 0 {
		c.Children = make([]*Element, len(e.Children))
		for i, ch := range e.Children {
			c.Children[i] = ch.Copy()
		}
	}
	return c
}

// String serialises e with its namespace declared.
func (e *Element) String() string {
	var b strings.Builder
	e.write(&b, "\x00")
	return b.String()
}
