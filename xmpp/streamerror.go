package xmpp

import (
	"errors"
	"fmt"

	"meetd/xmpp/dom"
	"meetd/xmpp/ns"
)

// Stream error conditions (RFC 6120 §4.9.3) the server sends.
const (
	condBadFormat             = "bad-format"
	condConnectionTimeout     = "connection-timeout"
	condHostUnknown           = "host-unknown"
	condInvalidNamespace      = "invalid-namespace"
	condNotAuthorized         = "not-authorized"
	condNotWellFormed         = "not-well-formed"
	condPolicyViolation       = "policy-violation"
	condResourceConstraint    = "resource-constraint"
	condRestrictedXML         = "restricted-xml"
	condSystemShutdown        = "system-shutdown"
	condUnsupportedEncoding   = "unsupported-encoding"
	condUnsupportedStanzaType = "unsupported-stanza-type"
	condUnsupportedVersion    = "unsupported-version"
	condUndefined             = "undefined-condition"
)

// streamError ends a stream with a condition.
type streamError struct {
	cond, text string
}

func (e *streamError) Error() string {
	if e.text == "" {
		return "xmpp: stream error " + e.cond
	}
	return fmt.Sprintf("xmpp: stream error %s: %s", e.cond, e.text)
}

// errPeerClosed reports that the peer closed the stream cleanly.
var errPeerClosed = errors.New("xmpp: peer closed the stream")

// conditionOf maps a read or negotiation error to the stream error to send;
// "" means the connection is gone or closed cleanly and needs none.
func conditionOf(err error) string {
	var se *streamError
	switch {
	case errors.As(err, &se):
		return se.cond
	case errors.Is(err, ErrStanzaTooLarge), errors.Is(err, ErrTooManyFragments):
		return condPolicyViolation
	case errors.Is(err, ErrRestrictedXML):
		return condRestrictedXML
	case errors.Is(err, ErrNotWellFormed):
		return condNotWellFormed
	case errors.Is(err, ErrBinaryFrame):
		return condUnsupportedEncoding
	}
	return ""
}

func streamErrorElement(cond string) *dom.Element {
	e := dom.New(ns.Streams, "error")
	e.AddNew(ns.StreamErr, cond)
	return e
}
