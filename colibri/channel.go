package colibri

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Bridge-channel message classes (the "colibriClass" discriminator).
const (
	ClassClientHello              = "ClientHello"
	ClassServerHello              = "ServerHello"
	ClassReceiverVideoConstraints = "ReceiverVideoConstraints"
	ClassLastNChanged             = "LastNChangedEvent"
	ClassEndpointMessage          = "EndpointMessage"
	ClassEndpointStats            = "EndpointStats"
	ClassDominantSpeaker          = "DominantSpeakerEndpointChangeEvent"
	ClassForwardedSources         = "ForwardedSources"
	ClassSenderSourceConstraints  = "SenderSourceConstraints"
)

// ErrNoClass is returned for a bridge-channel message without a colibriClass.
var ErrNoClass = errors.New("colibri: bridge-channel message without colibriClass")

// errNotObject: a message that must be a JSON object is not one (JSON null
// decodes into a nil map without an error).
var errNotObject = errors.New("not a JSON object")

// ChannelHeader is the part every bridge-channel message shares.
type ChannelHeader struct {
	Class string `json:"colibriClass"`
}

// ClassOf returns the colibriClass of a JSON bridge-channel message.
func ClassOf(msg []byte) (string, error) {
	var h ChannelHeader
	if err := json.Unmarshal(msg, &h); err != nil {
		return "", fmt.Errorf("colibri: bridge-channel message: %w", err)
	}
	if h.Class == "" {
		return "", ErrNoClass
	}
	return h.Class, nil
}

// ServerHello is the bridge's greeting when a channel opens.
type ServerHello struct {
	Class   string `json:"colibriClass"`
	Version string `json:"version,omitempty"`
}

// NewServerHello returns a ServerHello with its class set.
func NewServerHello(version string) ServerHello {
	return ServerHello{Class: ClassServerHello, Version: version}
}

// VideoConstraints limits one source (or the default) for a receiver.
type VideoConstraints struct {
	MaxHeight    int     `json:"maxHeight"`
	MaxFrameRate float64 `json:"maxFrameRate,omitempty"`
}

// ReceiverVideoConstraints is what a receiver wants to see. Absent fields
// keep their previous value, hence the pointers.
type ReceiverVideoConstraints struct {
	Class               string                      `json:"colibriClass"`
	LastN               *int                        `json:"lastN,omitempty"`
	SelectedSources     []string                    `json:"selectedSources,omitempty"`
	OnStageSources      []string                    `json:"onStageSources,omitempty"`
	SelectedEndpoints   []string                    `json:"selectedEndpoints,omitempty"`
	OnStageEndpoints    []string                    `json:"onStageEndpoints,omitempty"`
	DefaultConstraints  *VideoConstraints           `json:"defaultConstraints,omitempty"`
	Constraints         map[string]VideoConstraints `json:"constraints,omitempty"`
	AssumedBandwidthBps *int64                      `json:"assumedBandwidthBps,omitempty"`
}

// LastNChangedEvent is the older way a client sets its last-N.
type LastNChangedEvent struct {
	Class string `json:"colibriClass"`
	LastN int    `json:"lastN"`
}

// EndpointMessage is an application message between endpoints. The bridge
// relays it with From set; other fields (msgPayload, ...) pass through as
// raw JSON, see RelayedEndpointMessage.
type EndpointMessage struct {
	Class string `json:"colibriClass"`
	To    string `json:"to"`
	From  string `json:"from,omitempty"`
}

// RelayedEndpointMessage rewrites an EndpointMessage (or EndpointStats) for
// delivery: every field is kept verbatim except "from", which is set to
// the sending endpoint (anti-spoofing).
func RelayedEndpointMessage(msg []byte, from string) ([]byte, error) {
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(msg, &fields); err != nil {
		return nil, fmt.Errorf("colibri: endpoint message: %w", err)
	}
	if fields == nil { // JSON null decodes into a nil map without an error
		return nil, fmt.Errorf("colibri: endpoint message: %w", errNotObject)
	}
	f, err := json.Marshal(from)
	if err != nil {
		return nil, fmt.Errorf("colibri: endpoint message: %w", err)
	}
	fields["from"] = f
	out, err := json.Marshal(fields)
	if err != nil {
		return nil, fmt.Errorf("colibri: endpoint message: %w", err)
	}
	return out, nil
}

// Bridge-channel classes of the allocation and speaker messages. The
// Legacy ones are what 2021-era clients send or read.
const (
	ClassReceiverVideoConstraint = "ReceiverVideoConstraint"   // legacy C->B: maxFrameHeight
	ClassLastNEndpointsChanged   = "LastNEndpointsChangeEvent" // legacy B->C: forwarded endpoints
	ClassSenderVideoConstraints  = "SenderVideoConstraints"    // legacy B->C: idealHeight
)

// ReceiverVideoConstraint is the legacy single-height receive constraint.
type ReceiverVideoConstraint struct {
	Class          string `json:"colibriClass"`
	MaxFrameHeight int    `json:"maxFrameHeight"`
}

// ForwardedSources lists the source names the bridge forwards to a receiver.
type ForwardedSources struct {
	Class            string   `json:"colibriClass"`
	ForwardedSources []string `json:"forwardedSources"`
}

// NewForwardedSources returns a ForwardedSources message (never a null list).
func NewForwardedSources(names []string) ForwardedSources {
	return ForwardedSources{Class: ClassForwardedSources, ForwardedSources: append([]string{}, names...)}
}

// LastNEndpointsChangeEvent is the legacy form of ForwardedSources (endpoint ids).
type LastNEndpointsChangeEvent struct {
	Class          string   `json:"colibriClass"`
	LastNEndpoints []string `json:"lastNEndpoints"`
}

// NewLastNEndpointsChangeEvent returns a LastNEndpointsChangeEvent (never a null list).
func NewLastNEndpointsChangeEvent(ids []string) LastNEndpointsChangeEvent {
	return LastNEndpointsChangeEvent{Class: ClassLastNEndpointsChanged, LastNEndpoints: append([]string{}, ids...)}
}

// SenderSourceConstraints caps what a sender encodes for one source:
// maxHeight is the most any receiver gets (0: nobody, -1: unlimited).
type SenderSourceConstraints struct {
	Class      string `json:"colibriClass"`
	SourceName string `json:"sourceName"`
	MaxHeight  int    `json:"maxHeight"`
}

// NewSenderSourceConstraints returns a SenderSourceConstraints message.
func NewSenderSourceConstraints(source string, maxHeight int) SenderSourceConstraints {
	return SenderSourceConstraints{Class: ClassSenderSourceConstraints, SourceName: source, MaxHeight: maxHeight}
}

// SenderVideoConstraints is the legacy per-endpoint form of SenderSourceConstraints.
type SenderVideoConstraints struct {
	Class            string            `json:"colibriClass"`
	VideoConstraints SenderIdealHeight `json:"videoConstraints"`
}

// SenderIdealHeight is the body of SenderVideoConstraints.
type SenderIdealHeight struct {
	IdealHeight int `json:"idealHeight"`
}

// NewSenderVideoConstraints returns a SenderVideoConstraints message.
func NewSenderVideoConstraints(idealHeight int) SenderVideoConstraints {
	return SenderVideoConstraints{Class: ClassSenderVideoConstraints, VideoConstraints: SenderIdealHeight{IdealHeight: idealHeight}}
}

// DominantSpeakerEndpointChangeEvent names the current dominant speaker and
// the previous ones, most recent first.
type DominantSpeakerEndpointChangeEvent struct {
	Class            string   `json:"colibriClass"`
	Dominant         string   `json:"dominantSpeakerEndpoint"`
	PreviousSpeakers []string `json:"previousSpeakers"`
	Silence          bool     `json:"silence"`
}

// NewDominantSpeakerEvent returns a DominantSpeakerEndpointChangeEvent.
func NewDominantSpeakerEvent(dominant string, previous []string, silence bool) DominantSpeakerEndpointChangeEvent {
	return DominantSpeakerEndpointChangeEvent{Class: ClassDominantSpeaker, Dominant: dominant,
		PreviousSpeakers: append([]string{}, previous...), Silence: silence}
}

// Bridge-channel classes of video-type announcements (client to bridge).
const (
	ClassSourceVideoType = "SourceVideoTypeMessage"
	ClassVideoType       = "VideoTypeMessage" // legacy: the endpoint's camera source
)

// SourceVideoTypeMessage tells the bridge what a source carries: camera,
// desktop, desktop_high_fps, or none/disabled (no video).
type SourceVideoTypeMessage struct {
	Class      string `json:"colibriClass"`
	SourceName string `json:"sourceName"`
	VideoType  string `json:"videoType"`
}

// VideoTypeMessage is the legacy per-endpoint form of SourceVideoTypeMessage.
type VideoTypeMessage struct {
	Class     string `json:"colibriClass"`
	VideoType string `json:"videoType"`
}

// ClassConnectionStats is the bridge's periodic report of a receiver's estimate.
const ClassConnectionStats = "ConnectionStats"

// ConnectionStats tells a client the bridge's estimate of its downlink.
type ConnectionStats struct {
	Class                      string `json:"colibriClass"`
	EstimatedDownlinkBandwidth int64  `json:"estimatedDownlinkBandwidth"`
}

// NewConnectionStats returns a ConnectionStats message (bits per second).
func NewConnectionStats(bps int64) ConnectionStats {
	return ConnectionStats{Class: ClassConnectionStats, EstimatedDownlinkBandwidth: bps}
}
