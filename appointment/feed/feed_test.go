package feed

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// TestHostileFeeds: each bad feed is an error or skipped events,
// never a panic, and never a change to what is stored.
func TestHostileFeeds(t *testing.T) {
	nested := "BEGIN:VCALENDAR\r\n" + strings.Repeat("BEGIN:X\r\n", 5000) + strings.Repeat("END:X\r\n", 5000) + "END:VCALENDAR\r\n"
	huge := "BEGIN:VCALENDAR\r\nX-PAD:" + strings.Repeat("a", MaxBytes) + "\r\nEND:VCALENDAR\r\n"
	tests := []struct {
		name, doc    string
		err          bool
		events, bad  int
		firstProblem string
	}{
		{"not a calendar", "hello", true, 0, 0, ""},
		{"empty", "", false, 0, 0, ""},
		{"nested", nested, true, 0, 0, ""},
		{"huge", huge, true, 0, 0, ""},
		{"bad date", feedWith("DTSTART:20261340T250000Z\r\nDURATION:PT50M"), false, 0, 1, "DTSTART"},
		{"bad zone", feedWith("DTSTART;TZID=Nowhere/Land:20261208T100000\r\nDURATION:PT50M"), false, 0, 1, "time zone"},
		{"two zones", feedWith("DTSTART;TZID=Europe/Berlin,UTC:20261208T100000\r\nDURATION:PT50M"), false, 0, 1, "DTSTART"},
		{"no end", feedWith("DTSTART:20261208T100000Z"), false, 0, 1, "DTEND"},
		{"end before start", feedWith("DTSTART:20261208T100000Z\r\nDTEND:20261208T090000Z"), false, 0, 1, "duration"},
		{"bad duration", feedWith("DTSTART:20261208T100000Z\r\nDURATION:P"), false, 0, 1, "DURATION"},
		{"all day", feedWith("DTSTART;VALUE=DATE:20261208\r\nDURATION:P1D"), false, 0, 1, "all-day"},
		{"recurring", feedWith("DTSTART:20261208T100000Z\r\nDURATION:PT50M\r\nRRULE:FREQ=WEEKLY"), false, 0, 1, "recurring"},
		{"year 9999", feedWith("DTSTART:99991208T100000Z\r\nDURATION:PT50M"), false, 0, 1, "year"},
		{"duplicate uid", feedWith("DTSTART:20261208T100000Z\r\nDURATION:PT50M", "DTSTART:20261208T110000Z\r\nDURATION:PT50M"), false, 1, 1, "more than once"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Parse([]byte(tt.doc), Options{Location: time.UTC})
			if tt.err {
				if !errors.Is(err, ErrFeed) {
					t.Fatalf("err = %v, want ErrFeed", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("err = %v", err)
			}
			if len(f.Events) != tt.events || len(f.Problems) != tt.bad {
				t.Fatalf("%d events, problems %q", len(f.Events), f.Problems)
			}
			if tt.bad > 0 && !strings.Contains(f.Problems[0], tt.firstProblem) {
				t.Errorf("problem %q lacks %q", f.Problems[0], tt.firstProblem)
			}
		})
	}
}

func feedWith(events ...string) string {
	var b strings.Builder
	b.WriteString("BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:test\r\n")
	for _, e := range events {
		b.WriteString("BEGIN:VEVENT\r\nUID:same@booking\r\nDTSTAMP:20261201T000000Z\r\n" + e + "\r\nEND:VEVENT\r\n")
	}
	b.WriteString("END:VCALENDAR\r\n")
	return b.String()
}

func TestClientField(t *testing.T) {
	doc := ics.NewCalendar()
	ev := doc.AddEvent("x@booking")
	ev.SetProperty(ics.ComponentPropertyDtStart, "20261208T100000", ics.WithTZID("Europe/Berlin"))
	ev.SetProperty(ics.ComponentPropertyDuration, "PT50M")
	ev.AddAttendee("mailto:ignored@example.org")
	ev.SetProperty(ics.ComponentProperty("X-CLIENT-EMAIL"), "mailto:client@example.org")
	f, err := Parse([]byte(doc.Serialize()), Options{ClientField: "X-CLIENT-EMAIL"})
	if err != nil || len(f.Events) != 1 {
		t.Fatalf("ParseFeed = %+v, %v", f, err)
	}
	if e := f.Events[0].Emails; len(e) != 1 || e[0] != "client@example.org" {
		t.Errorf("emails %v", e)
	}
}

// TestThousandsOfEvents: 3000 events parse; more than maxEvents are refused.
func TestThousandsOfEvents(t *testing.T) {
	doc := ics.NewCalendar()
	t0 := time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)
	for i := range 3000 {
		ev := doc.AddEvent(fmt.Sprintf("e%d@booking", i))
		ev.SetStartAt(t0.Add(time.Duration(i) * time.Hour))
		ev.SetEndAt(t0.Add(time.Duration(i)*time.Hour + 50*time.Minute))
	}
	f, err := Parse([]byte(doc.Serialize()), Options{})
	if err != nil || len(f.Events) != 3000 || len(f.Problems) != 0 {
		t.Fatalf("Parse: %d events, %v, %v", len(f.Events), f.Problems, err)
	}
	too := strings.Repeat("BEGIN:VEVENT\r\nUID:x\r\nEND:VEVENT\r\n", maxEvents+1)
	if _, err := Parse([]byte("BEGIN:VCALENDAR\r\n"+too+"END:VCALENDAR\r\n"), Options{}); !errors.Is(err, ErrFeed) {
		t.Errorf("%d events: %v", maxEvents+1, err)
	}
}
