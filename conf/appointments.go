package conf

import (
	"fmt"
	"net/mail"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Appointments configures the practice's sessions ([appointments]): the
// booking calendar they come from, the reminder mail and how long their
// data is kept. See docs/appointments.md.
type Appointments struct {
	// Enabled turns the appointment store, the reminder mails, the
	// calendar import and the admin page on.
	Enabled bool `toml:"enabled"`
	// Calendar is the booking calendar's iCalendar feed: an https URL or a
	// file path. Empty: appointments are made on the admin page or the CLI.
	Calendar string `toml:"calendar"`
	// CalendarPoll is how often the feed is read.
	CalendarPoll Duration `toml:"calendar_poll"`
	// ClientField names the event property that holds the client's address
	// when it is not an ATTENDEE (e.g. "X-CLIENT-EMAIL"); empty: ATTENDEE.
	ClientField string `toml:"client_field"`
	// TimeZone is the practice's zone (IANA name): times on the CLI and in
	// mails, and floating calendar times. Empty: the machine's zone.
	TimeZone string `toml:"time_zone"`
	// Language is the reminder's language, "de" or "en".
	Language string `toml:"language"`
	// Host is the host name shown for appointments that name none.
	Host string `toml:"host"`
	// RemindBefore is how long before the start the client's mail goes out.
	RemindBefore Duration `toml:"remind_before"`
	// Grace is how long after the planned end the links still work.
	Grace Duration `toml:"grace"`
	// Keep is how long after a session its data is deleted.
	Keep Duration `toml:"keep"`
	// DirectEntry lets the client in without the lobby once the host is in
	// the room; false: the host admits the client from the lobby.
	DirectEntry bool `toml:"direct_entry"`
	// TemplatesDir holds the operator's own mail templates (reminder.de.txt,
	// reminder.en.txt, recording.de.txt, recording.en.txt); empty or a
	// missing file: the built-in ones.
	TemplatesDir string `toml:"templates_dir"`
	// SMTP is the mail server the reminders are submitted to.
	SMTP SMTP `toml:"smtp"`
}

// SMTP configures mail submission.
type SMTP struct {
	// Host and Port of the submission server; empty host: no mail is sent
	// (reminders stay pending and the admin page says so).
	Host string `toml:"host"`
	Port int    `toml:"port"`
	// Security is "starttls" (port 587), "tls" (implicit TLS, port 465) or
	// "none" (only to a mail server on this machine).
	Security string `toml:"security"`
	// Username and Password log in (PLAIN or LOGIN over TLS); empty: no
	// login.
	Username string `toml:"username"`
	Password string `toml:"password"`
	// From is the sender address of the mails.
	From string `toml:"from"`
}

// Duration is a TOML string like "30m", "2h" or "30d" (days).
type Duration time.Duration

// UnmarshalText reads a Go duration or a whole number of days ("30d").
func (d *Duration) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if days, ok := strings.CutSuffix(s, "d"); ok {
		n, err := strconv.Atoi(days)
		if err != nil || n < 0 || n > 3650 {
			return fmt.Errorf("%q: days must be a whole number from 0 to 3650", s)
		}
		*d = Duration(time.Duration(n) * 24 * time.Hour)
		return nil
	}
	v, err := time.ParseDuration(s)
	if err != nil {
		return fmt.Errorf("%q is not a duration like \"30m\", \"2h\" or \"30d\"", s)
	}
	*d = Duration(v)
	return nil
}

// Std returns d as a time.Duration.
func (d Duration) Std() time.Duration { return time.Duration(d) }

func defaultAppointments() Appointments {
	return Appointments{
		CalendarPoll: Duration(5 * time.Minute), Language: "de",
		RemindBefore: Duration(30 * time.Minute), Grace: Duration(30 * time.Minute),
		Keep: Duration(30 * 24 * time.Hour), SMTP: SMTP{Port: 587, Security: "starttls"},
	}
}

// Location returns the practice's time zone (TimeZone, or the machine's).
func (a Appointments) Location() *time.Location {
	if a.TimeZone == "" {
		return time.Local
	}
	if l, err := time.LoadLocation(a.TimeZone); err == nil {
		return l
	}
	return time.Local
}

func (a Appointments) validate(bad badFunc) {
	if a.TimeZone != "" {
		if _, err := time.LoadLocation(a.TimeZone); err != nil {
			bad("appointments.time_zone", "%q is not an IANA time zone (e.g. \"Europe/Berlin\")", a.TimeZone)
		}
	}
	if a.Language != "de" && a.Language != "en" {
		bad("appointments.language", "%q must be \"de\" or \"en\"", a.Language)
	}
	checkRange(bad, "appointments.calendar_poll", a.CalendarPoll, time.Minute, 24*time.Hour)
	checkRange(bad, "appointments.remind_before", a.RemindBefore, time.Minute, 7*24*time.Hour)
	checkRange(bad, "appointments.grace", a.Grace, 0, 12*time.Hour)
	checkRange(bad, "appointments.keep", a.Keep, time.Hour, 3650*24*time.Hour)
	if c := a.Calendar; strings.Contains(c, "://") {
		if u, err := url.Parse(c); err != nil || u.Scheme != "https" || u.Host == "" {
			bad("appointments.calendar", "must be an https URL or a file path")
		}
	}
	if f := a.ClientField; f != "" && strings.ToUpper(f) != f {
		bad("appointments.client_field", "%q must be an iCalendar property name in upper case", f)
	}
	a.SMTP.validate(bad)
}

func checkRange(bad badFunc, key string, d Duration, lo, hi time.Duration) {
	if d.Std() < lo || d.Std() > hi {
		bad(key, "%v must be from %v to %v", d.Std(), lo, hi)
	}
}

func (s SMTP) validate(bad badFunc) {
	switch s.Security {
	case "starttls", "tls":
	case "none":
		if s.Host != "" && s.Host != localDomain && s.Host != "127.0.0.1" && s.Host != "::1" {
			bad("appointments.smtp.security", "\"none\" sends mail unencrypted: only to a mail server on this machine")
		}
	default:
		bad("appointments.smtp.security", "%q must be starttls, tls or none", s.Security)
	}
	if s.Port < 1 || s.Port > 65535 {
		bad("appointments.smtp.port", "%d must be 1 to 65535", s.Port)
	}
	if s.Host != "" {
		if a, err := mail.ParseAddress(s.From); err != nil || a.Address != s.From {
			bad("appointments.smtp.from", "%q must be a plain e-mail address when smtp.host is set", s.From)
		}
	}
	if (s.Username == "") != (s.Password == "") {
		bad("appointments.smtp.password", "username and password must be set together")
	}
}
