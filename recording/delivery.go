package recording

import (
	"context"
	"time"
)

// Finished describes a recording that is ready, for whoever hands the
// link on. URL is the private link: it carries the key, so it must not be
// logged or stored.
type Finished struct {
	ID           string
	Room         string // bare room JID
	Created      time.Time
	Duration     time.Duration
	Participants int // how many people are in the file
	URL          string
	Expires      time.Time
}

// Delivery hands a finished recording's link to its recipients, e.g. by
// email (appointments, issue 14). Deliver is called once per recording,
// after the moderator got the link in the meeting; an error is logged
// (without the link) and does not affect the recording.
type Delivery interface {
	Deliver(ctx context.Context, f Finished) error
}

// DeliveryFunc adapts a function to Delivery.
type DeliveryFunc func(ctx context.Context, f Finished) error

// Deliver calls fn.
func (fn DeliveryFunc) Deliver(ctx context.Context, f Finished) error { return fn(ctx, f) }
