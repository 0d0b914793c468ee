package bridge

import "errors"

var (
	// ErrConfig is returned by New for an unusable configuration.
	ErrConfig = errors.New("bridge: invalid configuration")
	// ErrClosed is returned when the bridge or an endpoint is closed.
	ErrClosed = errors.New("bridge: closed")
	// ErrFingerprint is returned when the peer's DTLS certificate does not
	// match the fingerprint the focus signalled.
	ErrFingerprint = errors.New("bridge: DTLS fingerprint mismatch")
	// ErrNoFingerprint is returned when no usable fingerprint was signalled.
	ErrNoFingerprint = errors.New("bridge: no usable DTLS fingerprint signalled")
	// ErrBadCandidate is returned for a signalled ICE candidate the bridge cannot use.
	ErrBadCandidate = errors.New("bridge: unusable ICE candidate")
	// ErrBadPacket is returned for a datagram that is not valid RTP or RTCP.
	ErrBadPacket = errors.New("bridge: malformed packet")
)

var (
	// ErrNoConference is returned for a meeting id with no conference on
	// this bridge.
	ErrNoConference = errors.New("bridge: no such conference")
	// ErrReceiverExists is returned by AddReceiver for an id already used
	// by an endpoint or receiver of the conference.
	ErrReceiverExists = errors.New("bridge: receiver id in use")
)
