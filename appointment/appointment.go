package appointment

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
)

// Status of an appointment.
const (
	StatusScheduled = "scheduled"
	StatusCancelled = "cancelled"
)

// Sources an appointment came from.
const (
	SourceCLI      = "cli"
	SourceAdmin    = "admin"
	SourceCalendar = "calendar"
)

// Limits on what one appointment may hold.
const (
	maxDuration = 12 * time.Hour
	maxEmails   = 10
	maxText     = 200
)

// Appointment is one session between a host and one or more clients.
type Appointment struct {
	ID       int64
	Room     string        // unguessable room name (newRoom), set by the store
	Start    time.Time     // the start, an instant
	Duration time.Duration // the planned length
	Title    string        // what the practice calls it (may be empty)
	Host     string        // the host's name or account
	Emails   []string      // the clients' addresses
	Language string        // "de" or "en": the reminder's language
	Status   string        // StatusScheduled or StatusCancelled
	// Recording is whether the client wants the session recorded (the
	// recording link then goes to the client's address).
	Recording bool
	Source    string // SourceCLI, SourceAdmin or SourceCalendar
	UID       string // the calendar event's UID (SourceCalendar only)

	// Reminder is the state of the reminder mail (filled by the store).
	Reminder Reminder
}

// End is the planned end of the session.
func (a *Appointment) End() time.Time { return a.Start.Add(a.Duration) }

// Reminder states (Reminder.State).
const (
	ReminderPending = "pending" // not yet due, or due and not yet tried
	ReminderSending = "sending" // handed to the mail server, no answer recorded
	ReminderSent    = "sent"    // the mail server accepted it
	ReminderFailed  = "failed"  // given up (the session is over)
	ReminderNone    = "none"    // no address, or cancelled before it went out
)

// Reminder is what the outbox knows about an appointment's reminder.
type Reminder struct {
	State     string
	Due       time.Time
	Attempts  int
	LastError string    // the mail server's answer, never the link
	SentAt    time.Time // zero until sent
}

// Languages reminders can be written in.
var Languages = []string{"de", "en"}

// normalize trims the appointment's text fields and checks it, returning
// an ErrInvalid error naming the problem.
func (a *Appointment) normalize() error {
	a.Title = strings.TrimSpace(a.Title)
	a.Host = strings.TrimSpace(a.Host)
	if a.Language == "" {
		a.Language = Languages[0]
	}
	if a.Status == "" {
		a.Status = StatusScheduled
	}
	switch {
	case a.Start.IsZero():
		return fmt.Errorf("%w: no start time", ErrInvalid)
	case a.Duration <= 0 || a.Duration > maxDuration:
		return fmt.Errorf("%w: duration %v must be more than 0 and at most %v", ErrInvalid, a.Duration, maxDuration)
	case len(a.Title) > maxText || len(a.Host) > maxText:
		return fmt.Errorf("%w: title and host must be at most %d characters", ErrInvalid, maxText)
	case !knownLanguage(a.Language):
		return fmt.Errorf("%w: language %q must be one of %v", ErrInvalid, a.Language, Languages)
	case a.Status != StatusScheduled && a.Status != StatusCancelled:
		return fmt.Errorf("%w: status %q", ErrInvalid, a.Status)
	}
	emails, err := NormalizeEmails(a.Emails)
	a.Emails = emails
	return err
}

func knownLanguage(l string) bool {
	for _, k := range Languages {
		if k == l {
			return true
		}
	}
	return false
}

// NormalizeEmails checks addresses (plain addr-spec, no display names) and
// returns them trimmed, without duplicates.
func NormalizeEmails(in []string) ([]string, error) {
	var out []string
	seen := map[string]bool{}
	for _, e := range in {
		e = strings.TrimSpace(e)
		if e == "" {
			continue
		}
		addr, err := mail.ParseAddress(e)
		if err != nil || addr.Address != e || addr.Name != "" || len(e) > 254 {
			return nil, fmt.Errorf("%w: %q is not an e-mail address", ErrInvalid, e)
		}
		if key := strings.ToLower(e); !seen[key] {
			seen[key] = true
			out = append(out, e)
		}
	}
	if len(out) > maxEmails {
		return nil, fmt.Errorf("%w: at most %d client addresses", ErrInvalid, maxEmails)
	}
	return out, nil
}
