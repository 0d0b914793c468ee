package bridge

import (
	"fmt"
	"sync"
)

// Attachment is a Receiver attached to a conference with AddReceiver.
type Attachment struct {
	conf *conference
	down *downlink
	done chan struct{}
	once sync.Once
}

// AddReceiver attaches r to the conference with the given meeting id under
// the given id (unique among the conference's endpoints and receivers).
// The conference asks the senders for keyframes of the video r starts to
// get, and calls r.Allocated once the first allocation is made.
func (b *Bridge) AddReceiver(meetingID, id string, r Receiver, c Constraints) (*Attachment, error) {
	if r == nil {
		return nil, fmt.Errorf("%w: nil Receiver", ErrConfig)
	}
	conf := b.conference(meetingID)
	if conf == nil {
		return nil, ErrNoConference
	}
	a := &Attachment{conf: conf, down: newDownlink(id, r, nil), done: make(chan struct{})}
	a.down.prefs, a.down.only = constraintPrefs(c)
	// Nothing reaches r before its first allocation (made, and told to
	// r, by the control goroutine).
	a.down.alloc.Store(&allocation{from: map[string]bool{}})
	if err := conf.attach(a); err != nil {
		return nil, err
	}
	conf.reallocate()
	return a, nil
}

// attach registers an attached receiver.
func (c *conference) attach(a *Attachment) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch {
	case c.expired:
		return ErrNoConference
	case a.down.id == "" || c.endpoints[a.down.id] != nil || c.attached[a.down.id] != nil:
		return ErrReceiverExists
	}
	c.attached[a.down.id] = a
	c.publishLocked()
	return nil
}

// detach forgets an attached receiver.
func (c *conference) detach(a *Attachment) {
	c.mu.Lock()
	if c.attached[a.down.id] == a {
		delete(c.attached, a.down.id)
		c.publishLocked()
	}
	c.mu.Unlock()
	c.reallocate()
}

// Sources lists the conference's sources (every sender's audio and video).
func (b *Bridge) Sources(meetingID string) ([]Source, error) {
	c := b.conference(meetingID)
	if c == nil {
		return nil, ErrNoConference
	}
	return c.sources(), nil
}

// sources lists every endpoint's audio and video sources.
func (c *conference) sources() []Source {
	var out []Source
	for _, e := range c.list() {
		tbl := e.ingress.Load()
		out = append(out, tbl.audio...)
		for _, s := range tbl.video {
			out = append(out, Source{Endpoint: s.owner, Name: s.name, Video: true, SSRC: s.primary})
		}
	}
	return out
}

// SetConstraints changes what the receiver wants; the new allocation
// follows shortly, on the conference's control goroutine.
func (a *Attachment) SetConstraints(c Constraints) {
	a.down.pending.Store(&c)
	a.conf.reallocate()
}

// RequestKeyframe asks the sender of a video source the receiver gets
// (by its Source.SSRC) for a keyframe of the encoding forwarded to it
// (rate-limited like a client's PLI).
func (a *Attachment) RequestKeyframe(ssrc uint32) { a.conf.requestKeyframe(a.down, ssrc) }

// Done is closed when the receiver is detached: by Close, or because the
// conference ended.
func (a *Attachment) Done() <-chan struct{} { return a.done }

// Close detaches the receiver. A sender's reader that took the receiver
// list just before may still call SendRTP/SendRTCP briefly afterwards:
// receivers must stay safe to call (never close a channel they send on).
func (a *Attachment) Close() {
	a.conf.detach(a)
	a.detached()
}

// detached closes done once.
func (a *Attachment) detached() { a.once.Do(func() { close(a.done) }) }
