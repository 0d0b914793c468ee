// Package stz builds replies and errors for XMPP stanzas held as dom elements.
package stz

import (
	"meetd/xmpp/dom"
	"meetd/xmpp/internal/ns"
)

// Error types (RFC 6120 §8.3.2).
const (
	Cancel   = "cancel"
	Modify   = "modify"
	Auth     = "auth"
	Wait     = "wait"
	Continue = "continue"
)

// Condition is a defined stanza error condition with its default type.
type Condition struct {
	Name, Type string
}

// Stanza error conditions used by the server.
var (
	BadRequest            = Condition{"bad-request", Modify}
	Conflict              = Condition{"conflict", Cancel}
	FeatureNotImplemented = Condition{"feature-not-implemented", Cancel}
	Forbidden             = Condition{"forbidden", Auth}
	ItemNotFound          = Condition{"item-not-found", Cancel}
	JIDMalformed          = Condition{"jid-malformed", Modify}
	NotAcceptable         = Condition{"not-acceptable", Modify}
	NotAllowed            = Condition{"not-allowed", Cancel}
	NotAuthorized         = Condition{"not-authorized", Auth}
	PolicyViolation       = Condition{"policy-violation", Modify}
	RemoteServerNotFound  = Condition{"remote-server-not-found", Cancel}
	ServiceUnavailable    = Condition{"service-unavailable", Cancel}
	UnexpectedRequest     = Condition{"unexpected-request", Wait}
	InternalServerError   = Condition{"internal-server-error", Wait}
)

// IsRequest reports whether st is an IQ of type get or set.
func IsRequest(st *dom.Element) bool {
	t := st.Attr("type")
	return st.Local == "iq" && (t == "get" || t == "set")
}

// MayBounce reports whether an error reply to st is allowed: never for
// errors, IQ results or presence.
func MayBounce(st *dom.Element) bool {
	switch st.Local {
	case "iq":
		return IsRequest(st)
	case "message":
		return st.Attr("type") != "error"
	}
	return false
}

// Result returns an empty IQ result for the request st, addressed back to
// its sender.
func Result(st *dom.Element) *dom.Element {
	r := dom.New(ns.Client, "iq")
	r.SetAttr("type", "result").SetAttr("id", st.Attr("id"))
	swap(st, r)
	return r
}

// ErrorReply returns the error reply to st with condition c and optional
// text; the original payload is kept for IQs as RFC 6120 allows.
func ErrorReply(st *dom.Element, c Condition, text string) *dom.Element {
	r := dom.New(ns.Client, st.Local)
	r.SetAttr("type", "error")
	if id, ok := st.LookupAttr("id"); ok {
		r.SetAttr("id", id)
	}
	swap(st, r)
	if st.Local == "iq" && len(st.Children) > 0 {
		r.Add(st.Children[0].Copy())
	}
	return r.Add(ErrorElement(c, text))
}

// ErrorElement returns `<error type=...><cond/></error>` in jabber:client.
func ErrorElement(c Condition, text string) *dom.Element {
	e := dom.New(ns.Client, "error").SetAttr("type", c.Type)
	e.AddNew(ns.StanzaErr, c.Name)
	if text != "" {
		e.AddNew(ns.StanzaErr, "text").SetText(text)
	}
	return e
}

func swap(st, r *dom.Element) {
	if from := st.Attr("from"); from != "" {
		r.SetAttr("to", from)
	}
	if to := st.Attr("to"); to != "" {
		r.SetAttr("from", to)
	}
}

// Payload returns the first child of an IQ, or nil.
func Payload(st *dom.Element) *dom.Element {
	return st.FirstChild()
}
