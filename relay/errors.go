package relay

import "errors"

var (
	// ErrConfig is returned by New for an unusable configuration.
	ErrConfig = errors.New("relay: invalid configuration")
	// ErrTCPRelay is returned for a TCP allocation (RFC 6062): only UDP relays are offered.
	ErrTCPRelay = errors.New("relay: TCP allocations not offered")
)
