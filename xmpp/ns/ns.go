// Package ns holds the XML namespaces meetd's XMPP parts speak: the XMPP
// core and the extensions the server implements, multi-user chat, Jingle,
// and the Jitsi extensions shared by the focus, the bridge, the room
// components and the load tool. It is the one place these strings are
// written; Go struct tags (which must be literals) are the only exception.
package ns

// Stream, framing and negotiation namespaces (RFC 6120, RFC 7395, XEP-0206).
const (
	Client     = "jabber:client"                          // Client is the stanza namespace of c2s streams.
	Framing    = "urn:ietf:params:xml:ns:xmpp-framing"    // Framing is XMPP over WebSocket (RFC 7395).
	Streams    = "http://etherx.jabber.org/streams"       // Streams is the stream element's namespace.
	StreamErr  = "urn:ietf:params:xml:ns:xmpp-streams"    // StreamErr holds stream error conditions.
	StanzaErr  = "urn:ietf:params:xml:ns:xmpp-stanzas"    // StanzaErr holds stanza error conditions.
	SASL       = "urn:ietf:params:xml:ns:xmpp-sasl"       // SASL is authentication.
	Bind       = "urn:ietf:params:xml:ns:xmpp-bind"       // Bind is resource binding.
	Session    = "urn:ietf:params:xml:ns:xmpp-session"    // Session is the legacy session feature.
	SM         = "urn:xmpp:sm:3"                          // SM is stream management (XEP-0198).
	HTTPBind   = "http://jabber.org/protocol/httpbind"    // HTTPBind is BOSH's body (XEP-0124).
	XBOSH      = "urn:xmpp:xbosh"                         // XBOSH is XMPP over BOSH (XEP-0206).
	TLS        = "urn:ietf:params:xml:ns:xmpp-tls"        // TLS is STARTTLS.
	Component  = "jabber:component:accept"                // Component is the XEP-0114 stream namespace.
	Ping       = "urn:xmpp:ping"                          // Ping is XEP-0199.
	DiscoInfo  = "http://jabber.org/protocol/disco#info"  // DiscoInfo is XEP-0030 info.
	DiscoItems = "http://jabber.org/protocol/disco#items" // DiscoItems is XEP-0030 items.
	Version    = "jabber:iq:version"                      // Version is XEP-0092.
	ExtDisco1  = "urn:xmpp:extdisco:1"                    // ExtDisco1 is XEP-0215 version 1.
	ExtDisco2  = "urn:xmpp:extdisco:2"                    // ExtDisco2 is XEP-0215 version 2.
	XData      = "jabber:x:data"                          // XData is data forms (XEP-0004).
	Nick       = "http://jabber.org/protocol/nick"        // Nick is user nickname (XEP-0172).
)

// Multi-user chat namespaces (XEP-0045).
const (
	MUC           = "http://jabber.org/protocol/muc"            // MUC is the join request.
	MUCUser       = "http://jabber.org/protocol/muc#user"       // MUCUser is occupant information.
	MUCAdmin      = "http://jabber.org/protocol/muc#admin"      // MUCAdmin is role and affiliation changes.
	MUCOwner      = "http://jabber.org/protocol/muc#owner"      // MUCOwner is room configuration.
	MUCRoomConfig = "http://jabber.org/protocol/muc#roomconfig" // MUCRoomConfig is the config form type.
	MUCRoomInfo   = "http://jabber.org/protocol/muc#roominfo"   // MUCRoomInfo is the disco info form type.
)

// Jingle namespaces (XEP-0166 and the applications and transports used
// with it between the focus and clients).
const (
	Jingle         = "urn:xmpp:jingle:1"                      // Jingle is the session element.
	JingleErrors   = "urn:xmpp:jingle:errors:1"               // JingleErrors holds Jingle error conditions.
	JingleRTP      = "urn:xmpp:jingle:apps:rtp:1"             // JingleRTP is RTP sessions (XEP-0167).
	JingleAudio    = "urn:xmpp:jingle:apps:rtp:audio"         // JingleAudio is the RTP audio feature.
	JingleVideo    = "urn:xmpp:jingle:apps:rtp:video"         // JingleVideo is the RTP video feature.
	JingleRTCPFB   = "urn:xmpp:jingle:apps:rtp:rtcp-fb:0"     // JingleRTCPFB is RTCP feedback (XEP-0293).
	JingleHdrExt   = "urn:xmpp:jingle:apps:rtp:rtp-hdrext:0"  // JingleHdrExt is header extensions (XEP-0294).
	JingleSSMA     = "urn:xmpp:jingle:apps:rtp:ssma:0"        // JingleSSMA is source-specific media (XEP-0339).
	JingleGrouping = "urn:xmpp:jingle:apps:grouping:0"        // JingleGrouping is BUNDLE grouping (XEP-0338).
	JingleICEUDP   = "urn:xmpp:jingle:transports:ice-udp:1"   // JingleICEUDP is the ICE-UDP transport (XEP-0176).
	JingleDTLS     = "urn:xmpp:jingle:apps:dtls:0"            // JingleDTLS is DTLS-SRTP fingerprints (XEP-0320).
	JingleSCTP     = "urn:xmpp:jingle:transports:dtls-sctp:1" // JingleSCTP is SCTP over DTLS (XEP-0343).
	RTCPMux        = "urn:ietf:rfc:5761"                      // RTCPMux is the RTP/RTCP multiplexing feature.
	Bundle         = "urn:ietf:rfc:5888"                      // Bundle is the BUNDLE grouping feature.
)

// Jitsi namespaces, shared by the focus, the bridge, the room components
// and the clients.
const (
	Focus       = "http://jitsi.org/protocol/focus"          // Focus is the conference request and bridge-session.
	Colibri     = "http://jitsi.org/protocol/colibri"        // Colibri is bridge stats and the bridge-channel web-socket.
	Colibri2    = "jitsi:colibri2"                           // Colibri2 is the focus-to-bridge allocation protocol.
	Healthcheck = "http://jitsi.org/protocol/healthcheck"    // Healthcheck is the bridge health check IQ.
	Jibri       = "http://jitsi.org/protocol/jibri"          // Jibri is the recording and streaming IQ.
	JitMeet     = "http://jitsi.org/jitmeet"                 // JitMeet is Jitsi Meet's own extensions.
	JitsiMeet   = "http://jitsi.org/jitsi-meet"              // JitsiMeet is the participant's <region id>.
	StartMuted  = "http://jitsi.org/jitmeet/start-muted"     // StartMuted is the start-muted policy.
	MuteAudio   = "http://jitsi.org/jitmeet/audio"           // MuteAudio is the remote audio mute IQ.
	MuteVideo   = "http://jitsi.org/jitmeet/video"           // MuteVideo is the remote video mute IQ.
	MuteDesktop = "http://jitsi.org/jitmeet/desktop"         // MuteDesktop is the remote desktop-share mute IQ.
	Breakout    = "http://jitsi.org/protocol/breakout_rooms" // Breakout is the breakout rooms feature.
)
