package jingle

// XML namespaces of Jingle and the Jitsi extensions used with it.
const (
	NS          = "urn:xmpp:jingle:1"
	NSICEUDP    = "urn:xmpp:jingle:transports:ice-udp:1"
	NSDTLS      = "urn:xmpp:jingle:apps:dtls:0"
	NSRTP       = "urn:xmpp:jingle:apps:rtp:1"
	NSRTCPFB    = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"
	NSHdrExt    = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"
	NSSSMA      = "urn:xmpp:jingle:apps:rtp:ssma:0"
	NSGrouping  = "urn:xmpp:jingle:apps:grouping:0"
	NSColibriWS = "http://jitsi.org/protocol/colibri"
	NSJitMeet   = "http://jitsi.org/jitmeet"
)
