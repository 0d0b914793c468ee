package appointment

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
)

// feedServer serves an iCalendar document over HTTPS; set changes it.
type feedServer struct {
	mu     sync.Mutex
	body   string
	status int
	srv    *httptest.Server
}

func startFeed(t *testing.T) *feedServer {
	f := &feedServer{status: http.StatusOK}
	f.srv = httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		f.mu.Lock()
		defer f.mu.Unlock()
		w.Header().Set("Content-Type", "text/calendar")
		w.WriteHeader(f.status)
		fmt.Fprint(w, f.body)
	}))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *feedServer) set(cal *ics.Calendar, status int) {
	f.mu.Lock()
	f.body, f.status = cal.Serialize(), status
	f.mu.Unlock()
}

// event adds a session to cal written with the calendar library: start is
// "20261208T100000" in tzid ("" = floating, "Z" = UTC).
func event(cal *ics.Calendar, uid, start, tzid string, minutes int, attendees ...string) *ics.VEvent {
	ev := cal.AddEvent(uid)
	ev.SetDtStampTime(t0)
	ev.SetSummary("Sitzung " + uid)
	var params []ics.PropertyParameter
	switch tzid {
	case "Z":
		start += "Z"
	case "":
	default:
		params = append(params, ics.WithTZID(tzid))
	}
	ev.SetProperty(ics.ComponentPropertyDtStart, start, params...)
	ev.SetProperty(ics.ComponentPropertyDuration, fmt.Sprintf("PT%dM", minutes))
	ev.SetOrganizer("mailto:praxis@example.org")
	ev.AddAttendee("mailto:praxis@example.org")
	for _, a := range attendees {
		ev.AddAttendee("mailto:" + a)
	}
	return ev
}

func TestCalendarSyncOverHTTPS(t *testing.T) {
	ctx := context.Background()
	c := newClock(t0.Add(-24 * time.Hour))
	st := openStore(t, t.TempDir(), c)
	feed := startFeed(t)
	newYork, _ := time.LoadLocation("America/New_York")
	cal := &Calendar{Source: feed.srv.URL + "/praxis.ics?token=secret", Store: st, Client: feed.srv.Client(),
		Options: FeedOptions{Location: newYork, Language: "de", Host: "Dr. K"}}

	doc := ics.NewCalendar()
	event(doc, "berlin@booking", "20261208T100000", "Europe/Berlin", 50, "client@example.org")
	event(doc, "utc@booking", "20261208T150000", "Z", 60, "utc@example.org")
	event(doc, "floating@booking", "20261208T090000", "", 45, "ny@example.org")
	event(doc, "summer@booking", "20260708T100000", "Europe/Berlin", 50)
	feed.set(doc, http.StatusOK)
	r, err := cal.Sync(ctx)
	if err != nil || r.Added != 4 {
		t.Fatalf("first sync = %+v, %v", r, err)
	}
	want := map[string]time.Time{
		"berlin@booking":   time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC),  // CET = UTC+1
		"utc@booking":      time.Date(2026, 12, 8, 15, 0, 0, 0, time.UTC), // Z
		"floating@booking": time.Date(2026, 12, 8, 14, 0, 0, 0, time.UTC), // in the practice's zone (EST)
		"summer@booking":   time.Date(2026, 7, 8, 8, 0, 0, 0, time.UTC),   // CEST = UTC+2
	}
	byUID := uidMap(t, st)
	for uid, start := range want {
		a := byUID[uid]
		if a == nil || !a.Start.Equal(start) {
			t.Errorf("%s: start %v, want %v", uid, a, start)
		}
	}
	if b := byUID["berlin@booking"]; len(b.Emails) != 1 || b.Emails[0] != "client@example.org" || b.Duration != 50*time.Minute ||
		b.Host != "Dr. K" || b.Title != "Sitzung berlin@booking" || b.Reminder.State != ReminderPending {
		t.Errorf("berlin event: %+v", b)
	}
	room := byUID["berlin@booking"].Room

	// Moved (higher SEQUENCE), cancelled, removed, and one unchanged.
	doc = ics.NewCalendar()
	moved := event(doc, "berlin@booking", "20261208T113000", "Europe/Berlin", 50, "client@example.org")
	moved.SetSequence(1)
	event(doc, "utc@booking", "20261208T150000", "Z", 60, "utc@example.org").SetStatus(ics.ObjectStatusCancelled)
	event(doc, "summer@booking", "20260708T100000", "Europe/Berlin", 50)
	feed.set(doc, http.StatusOK)
	r, err = cal.Sync(ctx)
	if err != nil || r != (SyncResult{Updated: 1, Cancelled: 2, Unchanged: 1}) {
		t.Fatalf("second sync = %+v, %v", r, err)
	}
	byUID = uidMap(t, st)
	if b := byUID["berlin@booking"]; b.Room != room || !b.Start.Equal(time.Date(2026, 12, 8, 10, 30, 0, 0, time.UTC)) ||
		!b.Reminder.Due.Equal(b.Start.Add(-30*time.Minute)) {
		t.Errorf("moved event: %+v", b)
	}
	for _, uid := range []string{"utc@booking", "floating@booking"} {
		if a := byUID[uid]; a.Status != StatusCancelled || a.Reminder.State != ReminderNone {
			t.Errorf("%s: %s, reminder %s", uid, a.Status, a.Reminder.State)
		}
	}

	// A feed that fails changes nothing; an event that turns unreadable
	// keeps its appointment.
	feed.set(ics.NewCalendar(), http.StatusInternalServerError)
	if _, err := cal.Sync(ctx); !errors.Is(err, ErrFeed) || strings.Contains(err.Error(), "secret") {
		t.Errorf("sync of a failing feed = %v", err)
	}
	doc = ics.NewCalendar()
	event(doc, "berlin@booking", "20261208T113000", "Mars/Olympus_Mons", 50, "client@example.org")
	event(doc, "summer@booking", "20260708T100000", "Europe/Berlin", 50)
	feed.set(doc, http.StatusOK)
	if r, err = cal.Sync(ctx); err != nil || r.Cancelled != 0 {
		t.Fatalf("sync with a bad time zone = %+v, %v", r, err)
	}
	if b := uidMap(t, st)["berlin@booking"]; b.Status != StatusScheduled {
		t.Errorf("an unreadable event cancelled its appointment: %s", b.Status)
	}
}

func uidMap(t *testing.T, st *Store) map[string]*Appointment {
	t.Helper()
	all, err := st.List(context.Background(), time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	m := map[string]*Appointment{}
	for _, a := range all {
		m[a.UID] = a
	}
	return m
}

// TestCalendarThousandsOfEvents: a large practice calendar syncs in one
// go, and a second read changes nothing.
func TestCalendarThousandsOfEvents(t *testing.T) {
	doc := ics.NewCalendar()
	for i := range 3000 {
		start := t0.Add(time.Duration(i) * time.Hour).UTC().Format("20060102T150405")
		event(doc, fmt.Sprintf("e%d@booking", i), start, "Z", 50, fmt.Sprintf("c%d@example.org", i))
	}
	dir := t.TempDir()
	path := dir + "/feed.ics"
	if err := os.WriteFile(path, []byte(doc.Serialize()), 0o600); err != nil {
		t.Fatal(err)
	}
	st := openStore(t, dir, newClock(t0))
	cal := &Calendar{Source: path, Store: st}
	if r, err := cal.Sync(context.Background()); err != nil || r.Added != 3000 {
		t.Fatalf("sync = %+v, %v", r, err)
	}
	if r, err := cal.Sync(context.Background()); err != nil || r.Unchanged != 3000 {
		t.Fatalf("second sync = %+v, %v", r, err)
	}
}
