package colibri

import (
	"encoding/xml"

	"meetd/xmpp/jingle"
)

// Capability names a focus sends with an endpoint.
const (
	CapSourceNames   = "source-names"
	CapSSRCRewriting = "ssrc-rewriting"
)

// ConferenceModify is the focus's request to the bridge.
type ConferenceModify struct {
	XMLName         xml.Name   `xml:"jitsi:colibri2 conference-modify"`
	MeetingID       string     `xml:"meeting-id,attr"`
	Name            string     `xml:"name,attr,omitempty"`
	Create          bool       `xml:"create,attr,omitempty"`
	Expire          bool       `xml:"expire,attr,omitempty"`
	RTCStatsEnabled string     `xml:"rtcstats-enabled,attr,omitempty"`
	Endpoints       []Endpoint `xml:"endpoint"`
	Relays          []Relay    `xml:"relay"` // relay.go
}

// ConferenceModified is the bridge's answer.
type ConferenceModified struct {
	XMLName   xml.Name   `xml:"jitsi:colibri2 conference-modified"`
	Endpoints []Endpoint `xml:"endpoint"`
	Relays    []Relay    `xml:"relay"`
	Sources   *Sources   `xml:"sources"`
}

// Endpoint is one client's endpoint on the bridge.
type Endpoint struct {
	ID           string        `xml:"id,attr"`
	Create       bool          `xml:"create,attr,omitempty"`
	Expire       bool          `xml:"expire,attr,omitempty"`
	StatsID      string        `xml:"stats-id,attr,omitempty"`
	MUCRole      string        `xml:"muc-role,attr,omitempty"`
	Media        []Media       `xml:"media"`
	Transport    *Transport    `xml:"transport"`
	Sources      *Sources      `xml:"sources"`
	ForceMute    *ForceMute    `xml:"force-mute"`
	Capabilities []Capability  `xml:"capability"`
	InitialLastN *InitialLastN `xml:"initial-last-n"`
}

// HasCapability reports whether the endpoint carries the named capability.
func (e *Endpoint) HasCapability(name string) bool {
	for _, c := range e.Capabilities {
		if c.Name == name {
			return true
		}
	}
	return false
}

// Media lists the payload types and header extensions the focus offered.
type Media struct {
	Type         string               `xml:"type,attr"`
	PayloadTypes []jingle.PayloadType `xml:"payload-type"`
	HdrExts      []jingle.HdrExt      `xml:"rtp-hdrext"`
}

// Transport is the colibri2 transport wrapper around ICE-UDP and SCTP.
type Transport struct {
	ICEControlling string         `xml:"ice-controlling,attr,omitempty"`
	ICERestart     bool           `xml:"ice-restart,attr,omitempty"`
	UseUniquePort  bool           `xml:"use-unique-port,attr,omitempty"` // relays
	ICE            *jingle.ICEUDP `xml:"urn:xmpp:jingle:transports:ice-udp:1 transport"`
	SCTP           *SCTP          `xml:"sctp"`
}

// SCTP asks for (request) or describes (response) the SCTP data channel.
type SCTP struct {
	Port int    `xml:"port,attr,omitempty"`
	Role string `xml:"role,attr,omitempty"`
}

// Sources is a set of media sources.
type Sources struct {
	MediaSources []MediaSource `xml:"media-source"`
}

// MediaSource is one named source (audio or video) and its SSRCs.
type MediaSource struct {
	Type    string             `xml:"type,attr"`
	ID      string             `xml:"id,attr"`
	Sources []jingle.Source    `xml:"source"`
	Groups  []jingle.SSRCGroup `xml:"ssrc-group"`
}

// ForceMute drops an endpoint's incoming audio and/or video.
type ForceMute struct {
	Audio bool `xml:"audio,attr"`
	Video bool `xml:"video,attr"`
}

// Capability is one endpoint capability.
type Capability struct {
	Name string `xml:"name,attr"`
}

// InitialLastN is the client's initial last-N.
type InitialLastN struct {
	Value int `xml:"value,attr"`
}

// Error reasons carried in <error xmlns="jitsi:colibri2" reason="..."/>.
const (
	ReasonConferenceExists   = "conference_already_exists"
	ReasonConferenceNotFound = "conference_not_found"
	ReasonUnknownEndpoint    = "unknown_endpoint"
	ReasonGracefulShutdown   = "graceful_shutdown"
	ReasonNotImplemented     = "feature_not_implemented"
)

// Error is the colibri2 error detail inside an IQ error.
type Error struct {
	XMLName xml.Name `xml:"jitsi:colibri2 error"`
	Reason  string   `xml:"reason,attr,omitempty"`
}
