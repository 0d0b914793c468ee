package xmpp

import "errors"

var (
	// ErrBadConfig is returned by NewServer for a missing or invalid setting.
	ErrBadConfig = errors.New("xmpp: invalid config")
	// ErrClosed is returned when the server or session is closed.
	ErrClosed = errors.New("xmpp: closed")
	// ErrJIDInUse is returned by Attach when the full JID is already bound.
	ErrJIDInUse = errors.New("xmpp: full JID already in use")
	// ErrAliasInUse is returned by Attach when another session owns the alias domain.
	ErrAliasInUse = errors.New("xmpp: alias domain already attached")
	// ErrNotLocal is returned by Attach for a JID outside the server's hosts.
	ErrNotLocal = errors.New("xmpp: JID is not on a local host")
	// ErrStanzaTooLarge is returned by a transport when a stanza exceeds the size limit.
	ErrStanzaTooLarge = errors.New("xmpp: stanza exceeds the size limit")
	// ErrRestrictedXML is returned for comments, processing instructions or DOCTYPE.
	ErrRestrictedXML = errors.New("xmpp: restricted XML (comment, processing instruction or DTD)")
	// ErrNotWellFormed is returned for input that is not one well-formed element.
	ErrNotWellFormed = errors.New("xmpp: not one well-formed element")
	// ErrBinaryFrame is returned for a binary WebSocket message (RFC 7395 uses text).
	ErrBinaryFrame = errors.New("xmpp: binary WebSocket message")
	// ErrTooManyFragments is returned for a WebSocket message spread over
	// more frames than Limits.WebSocketFragments.
	ErrTooManyFragments = errors.New("xmpp: WebSocket message in too many fragments")
	// ErrNoTLS is returned by ServeC2S without a TLS configuration.
	ErrNoTLS = errors.New("xmpp: client connections over TCP need a TLS configuration for STARTTLS")
	// ErrBadAddress is returned for an address whose canonical form does not
	// parse back to itself.
	ErrBadAddress = errors.New("xmpp: unstable address")
	// ErrBadStanza is returned by LocalSession.Send for a non-stanza element.
	ErrBadStanza = errors.New("xmpp: not a jabber:client iq, message or presence")
)
