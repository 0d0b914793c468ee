package load

import "errors"

var (
	// ErrProtocol means the server answered outside the expected flow.
	ErrProtocol = errors.New("load: unexpected answer from the server")
	// ErrRejected means the server answered an IQ with an error.
	ErrRejected = errors.New("load: request rejected by the server")
	// ErrNoTransport means the session-initiate had no usable ICE transport.
	ErrNoTransport = errors.New("load: session-initiate without ice transport")
	// ErrFingerprint means the bridge's DTLS certificate did not match the offer.
	ErrFingerprint = errors.New("load: bridge certificate does not match the signalled fingerprint")
	// ErrNoSRTPProfile means DTLS finished without an SRTP profile.
	ErrNoSRTPProfile = errors.New("load: no srtp protection profile negotiated")
	// ErrClosed means the endpoint or connection was closed.
	ErrClosed = errors.New("load: closed")
	// ErrConfig means the run configuration is invalid.
	ErrConfig = errors.New("load: invalid configuration")
)
