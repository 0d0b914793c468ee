package relay

import "errors"

var (
	// ErrConfig is returned by New for an unusable configuration.
	ErrConfig = errors.New("relay: invalid configuration")
	// ErrClosed is returned once the server is closed.
	ErrClosed = errors.New("relay: closed")
	// ErrPeer is returned when an allocation tries to reach an address that
	// is not one of meetd's media addresses.
	ErrPeer = errors.New("relay: peer not allowed")
	// ErrTCPRelay is returned for a TCP allocation (RFC 6062): only UDP relays are offered.
	ErrTCPRelay = errors.New("relay: TCP allocations not offered")
)
