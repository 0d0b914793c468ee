package colibri

import (
	"encoding/json"
	"errors"
	"fmt"
)

// Relay is a bridge-to-bridge link of a conference (docs/scale-out.md,
// "Relays"): in a conference-modify, the other bridge (ID is its relay id)
// with the media the conference uses, the other bridge's transport and the
// endpoints on the other bridge with their sources; in the answer, this
// bridge's transport for it.
type Relay struct {
	ID        string          `xml:"id,attr"`
	MeshID    string          `xml:"mesh-id,attr,omitempty"`
	Create    bool            `xml:"create,attr,omitempty"`
	Expire    bool            `xml:"expire,attr,omitempty"`
	Media     []Media         `xml:"media"`
	Transport *Transport      `xml:"transport"`
	Endpoints *RelayEndpoints `xml:"endpoints"`
}

// RelayEndpoints lists endpoints of the other bridge: each with create or
// expire, its stats-id and its sources.
type RelayEndpoints struct {
	Endpoints []Endpoint `xml:"endpoint"`
}

// Bridge-channel classes used only between bridges.
const (
	ClassAddReceiver    = "AddReceiver"
	ClassRemoveReceiver = "RemoveReceiver"
)

// maxRelayName bounds the ids and source names of relay messages.
const maxRelayName = 256

// ErrRelayMessage is a relay bridge-channel message that is malformed.
var ErrRelayMessage = errors.New("colibri: malformed relay message")

// AddReceiver says that a bridge (BridgeID, its relay id) has receivers
// of a source and the largest constraints among them; a maxHeight of 0
// means it wants the source no more.
type AddReceiver struct {
	Class            string            `json:"colibriClass"`
	BridgeID         string            `json:"bridgeId"`
	SourceName       string            `json:"sourceName"`
	VideoConstraints *VideoConstraints `json:"videoConstraints,omitempty"`
}

// NewAddReceiver returns an AddReceiver with its class set.
func NewAddReceiver(bridgeID, source string, maxHeight int) AddReceiver {
	return AddReceiver{Class: ClassAddReceiver, BridgeID: bridgeID, SourceName: source,
		VideoConstraints: &VideoConstraints{MaxHeight: maxHeight}}
}

// RemoveReceiver says that a bridge no longer receives anything of an
// endpoint.
type RemoveReceiver struct {
	Class      string `json:"colibriClass"`
	BridgeID   string `json:"bridgeId"`
	EndpointID string `json:"endpointId"`
}

// ParseAddReceiver decodes and checks an AddReceiver: a source name is
// required, ids are bounded, a negative height means "no limit" (-1) and
// a missing videoConstraints means no limit either.
func ParseAddReceiver(msg []byte) (AddReceiver, error) {
	var m AddReceiver
	if err := json.Unmarshal(msg, &m); err != nil {
		return AddReceiver{}, fmt.Errorf("%w: %w", ErrRelayMessage, err)
	}
	if m.Class != ClassAddReceiver || !relayName(m.SourceName) || len(m.BridgeID) > maxRelayName {
		return AddReceiver{}, ErrRelayMessage
	}
	if m.VideoConstraints == nil {
		m.VideoConstraints = &VideoConstraints{MaxHeight: -1}
	}
	m.VideoConstraints.MaxHeight = max(min(m.VideoConstraints.MaxHeight, 1<<16), -1)
	return m, nil
}

// ParseRemoveReceiver decodes and checks a RemoveReceiver.
func ParseRemoveReceiver(msg []byte) (RemoveReceiver, error) {
	var m RemoveReceiver
	if err := json.Unmarshal(msg, &m); err != nil {
		return RemoveReceiver{}, fmt.Errorf("%w: %w", ErrRelayMessage, err)
	}
	if m.Class != ClassRemoveReceiver || !relayName(m.EndpointID) || len(m.BridgeID) > maxRelayName {
		return RemoveReceiver{}, ErrRelayMessage
	}
	return m, nil
}

func relayName(s string) bool { return s != "" && len(s) <= maxRelayName }
