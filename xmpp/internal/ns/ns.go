// Package ns holds the XML namespaces the XMPP server speaks.
package ns

// Stream, framing and negotiation namespaces.
const (
	Client     = "jabber:client"
	Framing    = "urn:ietf:params:xml:ns:xmpp-framing"
	Streams    = "http://etherx.jabber.org/streams"
	StreamErr  = "urn:ietf:params:xml:ns:xmpp-streams"
	StanzaErr  = "urn:ietf:params:xml:ns:xmpp-stanzas"
	SASL       = "urn:ietf:params:xml:ns:xmpp-sasl"
	Bind       = "urn:ietf:params:xml:ns:xmpp-bind"
	Session    = "urn:ietf:params:xml:ns:xmpp-session"
	SM         = "urn:xmpp:sm:3"
	HTTPBind   = "http://jabber.org/protocol/httpbind"
	XBOSH      = "urn:xmpp:xbosh"
	TLS        = "urn:ietf:params:xml:ns:xmpp-tls"
	Component  = "jabber:component:accept"
	Ping       = "urn:xmpp:ping"
	DiscoInfo  = "http://jabber.org/protocol/disco#info"
	DiscoItems = "http://jabber.org/protocol/disco#items"
	Version    = "jabber:iq:version"
	ExtDisco1  = "urn:xmpp:extdisco:1"
	ExtDisco2  = "urn:xmpp:extdisco:2"
	XData      = "jabber:x:data"
	Nick       = "http://jabber.org/protocol/nick"
)

// Multi-user chat namespaces (XEP-0045).
const (
	MUC      = "http://jabber.org/protocol/muc"
	MUCUser  = "http://jabber.org/protocol/muc#user"
	MUCAdmin = "http://jabber.org/protocol/muc#admin"
	MUCOwner = "http://jabber.org/protocol/muc#owner"
)
