package xmpp

import (
	"context"

	"meetd/xmpp/dom"
)

// Transport carries one client stream as whole top-level elements, so that
// stream negotiation, routing and MUC never see wire framing. The stream
// header and footer appear as the RFC 7395 framing elements `open` and
// `close` (namespace urn:ietf:params:xml:ns:xmpp-framing) on every
// transport; a TCP or BOSH transport translates them to its own form.
//
// WriteElement may be called from several goroutines; each element is
// written whole.
type Transport interface {
	// ReadElement returns the next top-level element from the peer.
	ReadElement(ctx context.Context) (*dom.Element, error)
	// WriteElement sends one complete top-level element to the peer.
	WriteElement(ctx context.Context, e *dom.Element) error
	// Close ends the connection; pending reads fail.
	Close() error
}
