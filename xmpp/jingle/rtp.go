package jingle

import "encoding/xml"

// PayloadType is an RTP payload type in a Jingle RTP description.
type PayloadType struct {
	XMLName   xml.Name    `xml:"urn:xmpp:jingle:apps:rtp:1 payload-type"`
	ID        uint8       `xml:"id,attr"`
	Name      string      `xml:"name,attr,omitempty"`
	Clockrate uint32      `xml:"clockrate,attr,omitempty"`
	Channels  uint16      `xml:"channels,attr,omitempty"`
	Params    []Parameter `xml:"parameter"`
	RTCPFB    []RTCPFB    `xml:"rtcp-fb"`
}

// Parameter is a name/value pair (format parameters, source parameters).
type Parameter struct {
	Name  string `xml:"name,attr"`
	Value string `xml:"value,attr,omitempty"`
}

// RTCPFB is one rtcp-fb line of a payload type.
type RTCPFB struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle:apps:rtp:rtcp-fb:0 rtcp-fb"`
	Type    string   `xml:"type,attr"`
	Subtype string   `xml:"subtype,attr,omitempty"`
}

// HdrExt is an RTP header extension mapping.
type HdrExt struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 rtp-hdrext"`
	ID      uint8    `xml:"id,attr"`
	URI     string   `xml:"uri,attr"`
}

// Source is an SSRC with its source name (XEP-0339 with Jitsi's attributes).
// Older clients describe msid as a <parameter name="msid">.
type Source struct {
	XMLName   xml.Name    `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 source"`
	SSRC      uint32      `xml:"ssrc,attr"`
	Name      string      `xml:"name,attr,omitempty"`
	VideoType string      `xml:"videoType,attr,omitempty"`
	Params    []Parameter `xml:"parameter"`
	Info      *SSRCInfo   `xml:"ssrc-info"`
}

// SSRCInfo names the endpoint that owns a source (Jitsi extension).
type SSRCInfo struct {
	XMLName xml.Name `xml:"http://jitsi.org/jitmeet ssrc-info"`
	Owner   string   `xml:"owner,attr"`
}

// SSRCGroup groups SSRCs: SIM (simulcast layers), FID (RTX), FEC.
type SSRCGroup struct {
	XMLName   xml.Name     `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 ssrc-group"`
	Semantics string       `xml:"semantics,attr"`
	Sources   []GroupEntry `xml:"source"`
}

// GroupEntry is one SSRC inside an ssrc-group.
type GroupEntry struct {
	SSRC uint32 `xml:"ssrc,attr"`
}
