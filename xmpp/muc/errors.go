package muc

import "errors"

var (
	// ErrNoRouter is returned by New when no Router is given.
	ErrNoRouter = errors.New("muc: a router is required to deliver stanzas")
	// ErrBadDomain is returned by New for an empty or invalid service domain.
	ErrBadDomain = errors.New("muc: the service domain must be a valid domain name")
)
