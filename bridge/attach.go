package bridge

// Attachment is a Receiver attached to a conference with AddReceiver.
type Attachment struct {
	id   string
	done chan struct{}
}

// AddReceiver attaches r to the conference with the given meeting id under
// the given id (unique among the conference's endpoints and receivers).
// The conference asks the senders for keyframes of the video r starts to
// get, and calls r.Allocated once the first allocation is made.
func (b *Bridge) AddReceiver(meetingID, id string, r Receiver, c Constraints) (*Attachment, error) {
	return nil, ErrNoConference // skeleton: implemented in the next step
}

// Sources lists the conference's sources (every sender's audio and video).
func (b *Bridge) Sources(meetingID string) ([]Source, error) {
	return nil, ErrNoConference // skeleton: implemented in the next step
}

// SetConstraints changes what the receiver wants; the new allocation
// follows shortly, on the conference's control goroutine.
func (a *Attachment) SetConstraints(c Constraints) {}

// RequestKeyframe asks the sender of a video source the receiver gets
// (by its Source.SSRC) for a keyframe of the encoding forwarded to it
// (rate-limited like a client's PLI).
func (a *Attachment) RequestKeyframe(ssrc uint32) {}

// Done is closed when the receiver is detached: by Close, or because the
// conference ended.
func (a *Attachment) Done() <-chan struct{} { return a.done }

// Close detaches the receiver. A sender's reader that took the receiver
// list just before may still call SendRTP/SendRTCP briefly afterwards:
// receivers must stay safe to call (never close a channel they send on).
func (a *Attachment) Close() {}
