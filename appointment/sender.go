package appointment

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"
)

// Outbox defaults.
const (
	defaultPoll        = 30 * time.Second // look at the store (CLI additions)
	sendTimeout        = 2 * time.Minute  // one submission, all in
	firstRetry         = time.Minute
	maxRetry           = 30 * time.Minute
	maxRecordingTries  = 20
	dueBatch           = 50
	defaultMessageHost = "meetd.invalid"
)

// Outbox sends the mails the store has queued: reminders when they are due,
// recording links when they arrive. Each entry is claimed before it is
// handed to the mail server and marked sent after, so a restart does not
// send again what went out; a mail server that refuses or does not answer
// is tried again with growing pauses (1 min doubling to 30 min) until the
// session is over. Run it once per database.
type Outbox struct {
	Store     *Store
	Sender    Sender
	Links     Links
	Templates *Templates
	Location  *time.Location // the practice's zone, for the mails' dates
	// MessageHost is the right side of the mails' Message-IDs (the domain).
	MessageHost string
	Now         func() time.Time // default time.Now
	Poll        time.Duration    // default 30 s
	Log         *slog.Logger

	wake chan struct{}
	once sync.Once
}

// init fills the defaults once, whichever goroutine comes first (Run, or
// the recording service calling DeliverRecording).
func (o *Outbox) init() { o.once.Do(o.setDefaults) }

func (o *Outbox) setDefaults() {
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.Poll <= 0 {
		o.Poll = defaultPoll
	}
	if o.Log == nil {
		o.Log = slog.New(slog.DiscardHandler)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	if o.MessageHost == "" {
		o.MessageHost = defaultMessageHost
	}
	if o.wake == nil {
		o.wake = make(chan struct{}, 1)
	}
}

// Run sends due mails until ctx ends. Entries a stopped process left
// claimed are queued again first (see recoverSending).
func (o *Outbox) Run(ctx context.Context) error {
	o.init()
	if n, err := o.Store.recoverSending(ctx); err != nil {
		return err
	} else if n > 0 {
		o.Log.Warn("appointment: mails interrupted by a stop are queued again", "count", n)
	}
	for {
		if _, err := o.SendDue(ctx); err != nil && ctx.Err() == nil {
			o.Log.Error("appointment: outbox", "err", err)
		}
		t := time.NewTimer(o.untilNext(ctx))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil
		case <-o.wake:
		case <-t.C:
		}
		t.Stop()
	}
}

// untilNext is how long Run sleeps: until the next due entry, at most Poll.
func (o *Outbox) untilNext(ctx context.Context) time.Duration {
	due, ok, err := o.Store.nextDue(ctx)
	if err != nil || !ok {
		return o.Poll
	}
	return min(max(due.Sub(o.Now()), time.Second), o.Poll)
}

// Wake makes Run look at the outbox now.
func (o *Outbox) Wake() {
	o.init()
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// SendDue sends every entry due now and returns how many the mail server
// accepted.
func (o *Outbox) SendDue(ctx context.Context) (int, error) {
	o.init()
	due, err := o.Store.due(ctx, o.Now(), dueBatch)
	if err != nil {
		return 0, err
	}
	sent := 0
	for _, m := range due {
		if ctx.Err() != nil {
			break
		}
		ok, err := o.sendOne(ctx, m)
		if err != nil {
			return sent, err
		}
		if ok {
			sent++
		}
	}
	return sent, nil
}

// sendOne claims, sends and settles one entry. ok reports a sent mail; err
// only store failures.
func (o *Outbox) sendOne(ctx context.Context, m *Mail) (ok bool, err error) {
	a := m.Appointment
	if m.Kind == KindReminder && !o.Now().Before(a.End()) {
		return false, o.settleFailed(ctx, m, "the session was over before the reminder could be sent")
	}
	msg, err := o.message(m)
	if err != nil {
		return false, o.settleFailed(ctx, m, err.Error())
	}
	if claimed, err := o.Store.claim(ctx, m.ID); err != nil || !claimed {
		return false, err
	}
	sctx, cancel := context.WithTimeout(ctx, sendTimeout)
	serr := o.Sender.Send(sctx, msg)
	cancel()
	if serr == nil {
		o.Log.Info("appointment: mail sent", "appointment", a.ID, "kind", m.Kind)
		return true, o.Store.settle(ctx, m.ID, ReminderSent, o.Now(), "")
	}
	return false, o.retry(ctx, m, serr)
}

// retry records a refused or failed submission: pending again after a
// pause, or failed once retrying makes no sense.
func (o *Outbox) retry(ctx context.Context, m *Mail, serr error) error {
	text := redact(serr.Error())
	attempt := m.Attempts + 1
	next := o.Now().Add(backoff(attempt))
	a := m.Appointment
	giveUp := (m.Kind == KindReminder && !next.Before(a.End())) || (m.Kind == KindRecording && attempt >= maxRecordingTries)
	o.Log.Warn("appointment: mail not sent", "appointment", a.ID, "kind", m.Kind, "attempt", attempt,
		"retry", !giveUp, "err", text)
	if giveUp {
		return o.Store.settle(ctx, m.ID, ReminderFailed, o.Now(), text)
	}
	return o.Store.settle(ctx, m.ID, ReminderPending, next, text)
}

func (o *Outbox) settleFailed(ctx context.Context, m *Mail, text string) error {
	o.Log.Warn("appointment: mail given up", "appointment", m.Appointment.ID, "kind", m.Kind, "err", redact(text))
	if _, err := o.Store.claim(ctx, m.ID); err != nil {
		return err
	}
	return o.Store.settle(ctx, m.ID, ReminderFailed, o.Now(), redact(text))
}

// backoff is the pause after the n-th failed attempt.
func backoff(n int) time.Duration {
	d := firstRetry
	for i := 1; i < n && d < maxRetry; i++ {
		d *= 2
	}
	return min(d, maxRetry)
}

// message renders m's mail.
func (o *Outbox) message(m *Mail) (Message, error) {
	a := m.Appointment
	link, from := m.Link, a.Start
	if m.Kind == KindReminder {
		var err error
		if link, err = o.Links.Client(a); err != nil {
			return Message{}, err
		}
		from, _ = o.Links.Window(a)
	}
	subject, body, err := o.Templates.render(m.Kind, a.Language, mailData(a, link, from, o.Location))
	if err != nil {
		return Message{}, err
	}
	if len(a.Emails) == 0 {
		return Message{}, fmt.Errorf("%w: appointment %d has no client address", ErrNoRecipient, a.ID)
	}
	return Message{To: a.Emails, Subject: subject, Body: body,
		MessageID: fmt.Sprintf("%s-%d-%d@%s", m.Kind, a.ID, m.ID, o.MessageHost)}, nil
}

// DeliverRecording queues the recording link of the session held in room
// for the appointment's client (when the appointment wanted a recording)
// and wakes the outbox. It implements RecordingMailer. The link is stored
// until sent and deleted with the appointment; it is never logged.
func (o *Outbox) DeliverRecording(ctx context.Context, room, link string) error {
	o.init()
	if link == "" {
		return errors.New("appointment: empty recording link")
	}
	a, err := o.Store.addRecording(ctx, room, link)
	if err != nil {
		return err
	}
	o.Log.Info("appointment: recording link queued", "appointment", a.ID)
	o.Wake()
	return nil
}

// RecordingMailer is the hook the recording feature calls when a
// recording's private link is ready: it mails the link to the client of the
// appointment held in room. ErrNotFound: room is no appointment's;
// ErrNoRecipient: the appointment has no address or wanted no recording.
type RecordingMailer interface {
	DeliverRecording(ctx context.Context, room, link string) error
}
