package jingle

import "encoding/xml"

// Jingle actions used between the focus and clients.
const (
	ActionSessionInitiate  = "session-initiate"
	ActionSessionAccept    = "session-accept"
	ActionSessionTerminate = "session-terminate"
	ActionSessionInfo      = "session-info"
	ActionSourceAdd        = "source-add"
	ActionSourceRemove     = "source-remove"
	ActionTransportInfo    = "transport-info"
	// Legacy names of source-add and source-remove that old clients send.
	ActionAddSource    = "addsource"
	ActionRemoveSource = "removesource"
)

// Jingle is the <jingle> element of a Jingle IQ (XEP-0166).
type Jingle struct {
	XMLName       xml.Name       `xml:"urn:xmpp:jingle:1 jingle"`
	Action        string         `xml:"action,attr"`
	SID           string         `xml:"sid,attr"`
	Initiator     string         `xml:"initiator,attr,omitempty"`
	Responder     string         `xml:"responder,attr,omitempty"`
	Contents      []Content      `xml:"content"`
	Groups        []Group        `xml:"urn:xmpp:jingle:apps:grouping:0 group"`
	BridgeSession *BridgeSession `xml:"http://jitsi.org/protocol/focus bridge-session"`
	// ICEState is the text of a session-info's ice-state (Jitsi extension):
	// "failed" when the client's ICE on the bridge session failed.
	ICEState   string      `xml:"http://jitsi.org/protocol/focus ice-state,omitempty"`
	StartMuted *StartMuted `xml:"http://jitsi.org/jitmeet/start-muted startmuted"`
	Reason     *Reason     `xml:"reason"`
}

// StartMuted in a session-initiate tells the client to start with its
// audio and/or video muted (docs/room-components.md, start muted).
type StartMuted struct {
	Audio bool `xml:"audio,attr"`
	Video bool `xml:"video,attr"`
}

// Content returns the content with the given name, or nil.
func (j *Jingle) Content(name string) *Content {
	for i := range j.Contents {
		if j.Contents[i].Name == name {
			return &j.Contents[i]
		}
	}
	return nil
}

// Content is one Jingle content: an RTP description and/or a transport.
type Content struct {
	Creator      string        `xml:"creator,attr,omitempty"`
	Name         string        `xml:"name,attr"`
	Senders      string        `xml:"senders,attr,omitempty"`
	Description  *Description  `xml:"urn:xmpp:jingle:apps:rtp:1 description"`
	Transport    *ICEUDP       `xml:"urn:xmpp:jingle:transports:ice-udp:1 transport"`
	InitialLastN *InitialLastN `xml:"jitsi:colibri2 initial-last-n"`
}

// Description is an RTP application description (XEP-0167) with sources
// (XEP-0339) and header extensions (XEP-0294).
type Description struct {
	XMLName          xml.Name      `xml:"urn:xmpp:jingle:apps:rtp:1 description"`
	Media            string        `xml:"media,attr"`
	MaxPTime         string        `xml:"maxptime,attr,omitempty"`
	PayloadTypes     []PayloadType `xml:"payload-type"`
	HdrExts          []HdrExt      `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 rtp-hdrext"`
	ExtmapAllowMixed *AllowMixed   `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 extmap-allow-mixed"`
	RTCPMux          *Empty        `xml:"urn:xmpp:jingle:apps:rtp:1 rtcp-mux"`
	Sources          []Source      `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 source"`
	SSRCGroups       []SSRCGroup   `xml:"urn:xmpp:jingle:apps:rtp:ssma:0 ssrc-group"`
}

// AllowMixed is the <extmap-allow-mixed/> marker (one- and two-byte header
// extensions may be mixed).
type AllowMixed struct {
	XMLName xml.Name `xml:"urn:xmpp:jingle:apps:rtp:rtp-hdrext:0 extmap-allow-mixed"`
}

// SCTPMap describes the SCTP association of a data content (XEP-0343).
type SCTPMap struct {
	XMLName  xml.Name `xml:"urn:xmpp:jingle:transports:dtls-sctp:1 sctpmap"`
	Number   int      `xml:"number,attr"`
	Protocol string   `xml:"protocol,attr"`
	Streams  int      `xml:"streams,attr"`
}

// Group is a content group such as BUNDLE (XEP-0338).
type Group struct {
	XMLName   xml.Name       `xml:"urn:xmpp:jingle:apps:grouping:0 group"`
	Semantics string         `xml:"semantics,attr"`
	Contents  []GroupContent `xml:"content"`
}

// GroupContent names one content of a group.
type GroupContent struct {
	Name string `xml:"name,attr"`
}

// BridgeSession identifies the bridge allocation behind a focus session
// (Jitsi extension); clients echo it and may ask for a restart.
type BridgeSession struct {
	XMLName    xml.Name `xml:"http://jitsi.org/protocol/focus bridge-session"`
	ID         string   `xml:"id,attr,omitempty"`
	Region     string   `xml:"region,attr,omitempty"`
	Restart    bool     `xml:"restart,attr,omitempty"`
	ICERestart bool     `xml:"ice-restart,attr,omitempty"`
}

// Reason is the reason of a session-terminate: one condition element and an
// optional text.
type Reason struct {
	Condition ReasonCondition `xml:",any"`
	Text      string          `xml:"text,omitempty"`
}

// ReasonCondition is the condition element of a reason, e.g. <success/>.
type ReasonCondition struct {
	XMLName xml.Name
}

// InitialLastN is the client's initial last-N, sent in the video content of
// its session-accept.
type InitialLastN struct {
	XMLName xml.Name `xml:"jitsi:colibri2 initial-last-n"`
	Value   int      `xml:"value,attr"`
}
