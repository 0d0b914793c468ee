package conf

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestAppointmentsValues(t *testing.T) {
	c, err := Parse([]byte("[appointments]\nenabled = true\nkeep = \"7d\"\nremind_before = \"1h\"\ntime_zone = \"Europe/Berlin\"\n" +
		"[appointments.smtp]\nhost = \"mail.example.org\"\nsecurity = \"tls\"\nport = 465\nfrom = \"praxis@example.org\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	a := c.Appointments
	if a.Keep.Std() != 7*24*time.Hour || a.RemindBefore.Std() != time.Hour || a.Location().String() != "Europe/Berlin" {
		t.Errorf("got %+v", a)
	}
	bad := []struct{ input, key string }{
		{"[appointments]\nkeep = \"forever\"", "cannot parse"},
		{"[appointments]\nkeep = \"1s\"", "appointments.keep"},
		{"[appointments]\nremind_before = \"0s\"", "appointments.remind_before"},
		{"[appointments]\ntime_zone = \"Mars/Olympus\"", "appointments.time_zone"},
		{"[appointments]\nlanguage = \"fr\"", "appointments.language"},
		{"[appointments]\ncalendar = \"http://cal.example.org/feed.ics\"", "appointments.calendar"},
		{"[appointments]\nclient_field = \"x-mail\"", "appointments.client_field"},
		{"[appointments.smtp]\nsecurity = \"none\"\nhost = \"mail.example.org\"\nfrom = \"a@example.org\"", "appointments.smtp.security"},
		{"[appointments.smtp]\nhost = \"mail.example.org\"", "appointments.smtp.from"},
		{"[appointments.smtp]\nusername = \"u\"", "appointments.smtp.password"},
		{"[appointments]\nreminder = \"30m\"", "appointments.reminder"},
	}
	for _, tt := range bad {
		t.Run(tt.key, func(t *testing.T) {
			_, err := Parse([]byte(tt.input))
			if err == nil || !strings.Contains(err.Error(), tt.key) {
				t.Errorf("Parse(%q) = %v, want an error naming %s", tt.input, err, tt.key)
			}
			if err != nil && !errors.Is(err, ErrBadValue) && !errors.Is(err, ErrParse) && !errors.Is(err, ErrUnknownKey) {
				t.Errorf("error %v is not a config error", err)
			}
		})
	}
}
