package recording

import "meetd/bridge"

// Bridge is the part of the bridge a recorder attaches to (its receiver
// seam); *bridge.Bridge satisfies it through BridgeAttacher.
type Bridge interface {
	Attach(meetingID, id string, r bridge.Receiver, c bridge.Constraints) (Attachment, error)
}

// Attachment is a recorder's attachment to a conference.
type Attachment interface {
	SetConstraints(c bridge.Constraints)
	RequestKeyframe(ssrc uint32)
	Done() <-chan struct{}
	Close()
}

// BridgeAttacher adapts *bridge.Bridge to Bridge.
type BridgeAttacher struct{ B *bridge.Bridge }

// Attach calls AddReceiver.
func (a BridgeAttacher) Attach(meetingID, id string, r bridge.Receiver, c bridge.Constraints) (Attachment, error) {
	att, err := a.B.AddReceiver(meetingID, id, r, c)
	if err != nil {
		return nil, err
	}
	return att, nil
}
