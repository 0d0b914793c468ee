package client

import "errors"

var (
	// ErrConfig is returned for a missing or invalid Config field.
	ErrConfig = errors.New("xmpp client: invalid config")
	// ErrAuth is returned when the server rejects the credentials. Keep does
	// not retry it: a wrong password stays wrong.
	ErrAuth = errors.New("xmpp client: authentication failed")
	// ErrNoMechanism is returned when the server offers no SCRAM mechanism.
	ErrNoMechanism = errors.New("xmpp client: server offers no SCRAM mechanism")
	// ErrNoTLS is returned when the server does not offer STARTTLS.
	ErrNoTLS = errors.New("xmpp client: server does not offer STARTTLS")
	// ErrProtocol is returned for an unexpected element during negotiation.
	ErrProtocol = errors.New("xmpp client: protocol error")
	// ErrStream is returned when the server sends a stream error.
	ErrStream = errors.New("xmpp client: stream error")
	// ErrClosed is returned by a Conn that was closed or lost its connection.
	ErrClosed = errors.New("xmpp client: connection closed")
	// ErrBadStanza is returned by Send for an element that is not a
	// jabber:client iq, message or presence.
	ErrBadStanza = errors.New("xmpp client: not a jabber:client iq, message or presence")
	// ErrPingTimeout ends a connection whose server did not answer a
	// liveness ping (XEP-0199) in time: a silently dead peer.
	ErrPingTimeout = errors.New("xmpp client: server did not answer a ping")
	// ErrIQ is wrapped by IQ for an error response.
	ErrIQ = errors.New("xmpp client: IQ error response")
)
