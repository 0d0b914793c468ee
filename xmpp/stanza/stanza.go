// Package stanza builds XMPP stanzas held as dom elements: IQ requests,
// results, error replies and bounces, and reads their error conditions.
// The server, the focus, the bridge, the room components, the network
// client and the load tool all build their stanzas here.
package stanza

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
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

// WithType returns c with another error type (some answers use, for
// example, service-unavailable with type wait instead of cancel).
func (c Condition) WithType(typ string) Condition {
	c.Type = typ
	return c
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

// IQ returns an IQ request of type typ ("get" or "set") to the JID to,
// with a fresh random id.
func IQ(typ, to string) *dom.Element {
	return IQWithID(typ, to, NewID())
}

// IQWithID returns an IQ of type typ to the JID to with the given id.
func IQWithID(typ, to, id string) *dom.Element {
	iq := dom.New(ns.Client, "iq").SetAttr("type", typ).SetAttr("id", id)
	if to != "" {
		iq.SetAttr("to", to)
	}
	return iq
}

// NewID returns a random stanza id (16 hex digits).
func NewID() string {
	var b [8]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails (Go >= 1.24)
	return hex.EncodeToString(b[:])
}

// NewUUID returns a random version-4 UUID in lowercase, the form Jitsi
// uses for meeting ids and anonymous localparts.
func NewUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// Result returns an empty IQ result for the request st, addressed back to
// its sender.
func Result(st *dom.Element) *dom.Element {
	r := dom.New(ns.Client, "iq")
	r.SetAttr("type", "result").SetAttr("id", st.Attr("id"))
	swap(st, r)
	return r
}

// ErrorReply returns the error answer to st (addressed back to its
// sender) with condition c, optional text and optional application-specific
// conditions (extra), without a copy of the original payload.
func ErrorReply(st *dom.Element, c Condition, text string, extra ...*dom.Element) *dom.Element {
	return errorReply(st, false, c, text, extra)
}

// Bounce returns the error reply to st with condition c and optional text;
// the original payload is kept for IQs as RFC 6120 allows (the server's
// answer to a stanza it cannot deliver).
func Bounce(st *dom.Element, c Condition, text string) *dom.Element {
	return errorReply(st, true, c, text, nil)
}

func errorReply(st *dom.Element, keepPayload bool, c Condition, text string, extra []*dom.Element) *dom.Element {
	r := dom.New(ns.Client, st.Local)
	r.SetAttr("type", "error")
	if id, ok := st.LookupAttr("id"); ok {
		r.SetAttr("id", id)
	}
	swap(st, r)
	if keepPayload && st.Local == "iq" && len(st.Children) > 0 {
		r.Add(st.Children[0].Copy())
	}
	return r.Add(ErrorElement(c, text, extra...))
}

// ErrorElement returns `<error type=...><cond/></error>` in jabber:client,
// with optional text and application-specific conditions (extra).
func ErrorElement(c Condition, text string, extra ...*dom.Element) *dom.Element {
	e := dom.New(ns.Client, "error").SetAttr("type", c.Type)
	e.AddNew(ns.StanzaErr, c.Name)
	if text != "" {
		e.AddNew(ns.StanzaErr, "text").SetText(text)
	}
	return e.Add(extra...)
}

// ErrorCondition returns the RFC 6120 condition name of an error stanza,
// or "" when st carries none.
func ErrorCondition(st *dom.Element) string {
	er := st.Child("", "error")
	if er == nil {
		return ""
	}
	for _, c := range er.Children {
		if c.Space == ns.StanzaErr && c.Local != "text" {
			return c.Local
		}
	}
	return ""
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
