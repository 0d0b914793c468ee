package jingle

import "encoding/xml"

// ICEUDP is the ICE-UDP transport element (XEP-0176) with DTLS fingerprints
// (XEP-0320) and Jitsi's bridge-channel WebSocket URLs.
type ICEUDP struct {
	XMLName      xml.Name      `xml:"urn:xmpp:jingle:transports:ice-udp:1 transport"`
	Ufrag        string        `xml:"ufrag,attr,omitempty"`
	Pwd          string        `xml:"pwd,attr,omitempty"`
	RTCPMux      *Empty        `xml:"rtcp-mux"`
	Fingerprints []Fingerprint `xml:"fingerprint"`
	Candidates   []Candidate   `xml:"candidate"`
	WebSockets   []WebSocket   `xml:"web-socket"`
	SCTPMap      *SCTPMap      `xml:"urn:xmpp:jingle:transports:dtls-sctp:1 sctpmap"`
}

// Empty is a marker element without content, such as <rtcp-mux/>.
type Empty struct{}

// Fingerprint is a DTLS certificate fingerprint with its setup role.
type Fingerprint struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle:apps:dtls:0 fingerprint"`
	Hash    string   `xml:"hash,attr"`
	Setup   string   `xml:"setup,attr,omitempty"`
	Value   string   `xml:",chardata"`
}

// Candidate is one ICE candidate.
type Candidate struct {
	Component  int    `xml:"component,attr"`
	Foundation string `xml:"foundation,attr"`
	Generation int    `xml:"generation,attr"`
	ID         string `xml:"id,attr,omitempty"`
	IP         string `xml:"ip,attr"`
	Network    int    `xml:"network,attr"`
	Port       int    `xml:"port,attr"`
	Priority   uint32 `xml:"priority,attr"`
	Protocol   string `xml:"protocol,attr"`
	Type       string `xml:"type,attr"`
	RelAddr    string `xml:"rel-addr,attr,omitempty"`
	RelPort    int    `xml:"rel-port,attr,omitempty"`
	TCPType    string `xml:"tcptype,attr,omitempty"`
}

// WebSocket is the bridge-channel URL a bridge offers (colibri namespace).
type WebSocket struct {
	XMLName xml.Name `xml:"http://jitsi.org/protocol/colibri web-socket"`
	URL     string   `xml:"url,attr"`
}
