// Package feed reads a booking calendar's iCalendar feed (RFC 5545) into
// sessions: start, length, title, client addresses, cancelled or not. The
// parsing is github.com/arran4/golang-ical's; this package bounds what a
// hostile feed can cost and interprets the times. It has no database, so
// its fuzz test runs fast.
package feed

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // calendar time zones without the system's zoneinfo (a static binary)

	ics "github.com/arran4/golang-ical"
)

// Feed limits: a feed over them is refused whole (nothing changes).
const (
	// MaxBytes is the largest feed read.
	MaxBytes     = 16 << 20
	maxFeedDepth = 8 // BEGIN nesting (VCALENDAR > VEVENT > VALARM is 3)
	maxEvents    = 20000
)

// ErrFeed marks a feed that cannot be read at all.
var ErrFeed = errors.New("calendar feed")

// Options say how events are read.
type Options struct {
	// ClientField is the property holding the client's address; empty:
	// the ATTENDEEs (without the ORGANIZER and those who declined).
	ClientField string
	// Location is the zone of floating times (no TZID, no Z).
	Location *time.Location
}

// Event is one session of the feed.
type Event struct {
	UID       string
	Start     time.Time
	Duration  time.Duration // more than 0
	Title     string
	Emails    []string // as the feed has them (without mailto:), unchecked
	Cancelled bool     // STATUS:CANCELLED
	Recording bool     // X-MEETD-RECORDING:TRUE
}

// Feed is a parsed calendar: its events, the UIDs of events that could not
// be read (their sessions stay as they were, not cancelled) and what was
// wrong with them.
type Feed struct {
	Events   []*Event
	Skipped  map[string]bool
	Problems []string // per event: "UID …: problem"; no addresses, no links
}

// Skip records that the event uid cannot be used, and why.
func (f *Feed) Skip(uid string, err error) {
	f.Skipped[uid] = true
	f.Problems = append(f.Problems, fmt.Sprintf("UID %.80q: %v", uid, err))
}

// maxTitle bounds a title (longer ones are cut).
const maxTitle = 200

// Parse reads an iCalendar document with github.com/arran4/golang-ical.
// A document that is not a calendar, too large or too deeply nested is an
// error (ErrFeed); a bad event is skipped and named in Problems. Duplicate
// UIDs: the highest SEQUENCE wins, else the last.
func Parse(data []byte, o Options) (*Feed, error) {
	if len(data) > MaxBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrFeed, MaxBytes>>20)
	}
	if err := checkNesting(data); err != nil {
		return nil, err
	}
	cal, err := parseCalendar(data)
	if err != nil {
		return nil, err
	}
	events := cal.Events()
	if len(events) > maxEvents {
		return nil, fmt.Errorf("%w: %d events, at most %d", ErrFeed, len(events), maxEvents)
	}
	if o.Location == nil {
		o.Location = time.Local
	}
	f := &Feed{Skipped: map[string]bool{}}
	byUID := map[string]int{} // index in f.Events
	seq := map[string]int{}
	for _, ev := range events {
		f.add(ev, o, byUID, seq)
	}
	return f, nil
}

// parseCalendar runs the library, turning a panic on hostile input into an
// error: a feed is network input.
func parseCalendar(data []byte) (cal *ics.Calendar, err error) {
	defer func() {
		if r := recover(); r != nil {
			cal, err = nil, fmt.Errorf("%w: unreadable (%v)", ErrFeed, r)
		}
	}()
	cal, err = ics.ParseCalendar(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFeed, err)
	}
	return cal, nil
}

// checkNesting refuses documents whose BEGIN blocks nest deeper than
// maxFeedDepth before the (recursive) parser sees them.
func checkNesting(data []byte) error {
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Buffer(make([]byte, 64<<10), MaxBytes)
	depth := 0
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case hasPrefixFold(line, "BEGIN:"):
			if depth++; depth > maxFeedDepth {
				return fmt.Errorf("%w: components nested deeper than %d", ErrFeed, maxFeedDepth)
			}
		case hasPrefixFold(line, "END:"):
			depth--
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%w: %v", ErrFeed, err)
	}
	return nil
}

func hasPrefixFold(b []byte, p string) bool {
	return len(b) >= len(p) && strings.EqualFold(string(b[:len(p)]), p)
}

// add turns one VEVENT into an appointment, or records why not.
func (f *Feed) add(ev *ics.VEvent, o Options, byUID map[string]int, seq map[string]int) {
	uid := strings.TrimSpace(ev.Id())
	if uid == "" || len(uid) > 500 {
		f.Problems = append(f.Problems, "an event without a usable UID was skipped")
		return
	}
	a, err := readEvent(ev, o)
	if err != nil {
		f.Skip(uid, err)
		return
	}
	a.UID = uid
	s := sequence(ev)
	if i, dup := byUID[uid]; dup {
		f.Problems = append(f.Problems, fmt.Sprintf("UID %.80q: appears more than once; the highest SEQUENCE counts", uid))
		if s >= seq[uid] {
			f.Events[i], seq[uid] = a, s
		}
		return
	}
	byUID[uid], seq[uid] = len(f.Events), s
	f.Events = append(f.Events, a)
}

func sequence(ev *ics.VEvent) int {
	if p := ev.GetProperty(ics.ComponentPropertySequence); p != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(p.Value)); err == nil {
			return n
		}
	}
	return 0
}

// readEvent reads start, end, status, title and addresses.
func readEvent(ev *ics.VEvent, o Options) (*Event, error) {
	if ev.GetProperty(ics.ComponentPropertyRrule) != nil || ev.GetProperty(ics.ComponentPropertyRecurrenceId) != nil {
		return nil, errors.New("recurring events are not supported: book each session as its own event")
	}
	start, err := eventTime(ev, ics.ComponentPropertyDtStart, o.Location)
	if err != nil {
		return nil, fmt.Errorf("DTSTART: %w", err)
	}
	dur, err := eventDuration(ev, start, o.Location)
	if err != nil {
		return nil, err
	}
	if dur <= 0 {
		return nil, errors.New("the event ends before it starts (a duration of 0 or less)")
	}
	a := &Event{Start: start, Duration: dur}
	if p := ev.GetProperty(ics.ComponentPropertySummary); p != nil {
		a.Title = truncate(ics.FromText(p.Value), maxTitle)
	}
	if p := ev.GetProperty(ics.ComponentPropertyStatus); p != nil && strings.EqualFold(strings.TrimSpace(p.Value), "CANCELLED") {
		a.Cancelled = true
	}
	if p := ev.GetProperty(ics.ComponentProperty("X-MEETD-RECORDING")); p != nil {
		a.Recording = strings.EqualFold(strings.TrimSpace(p.Value), "TRUE")
	}
	a.Emails = eventClients(ev, o.ClientField)
	return a, nil
}

// eventTime reads a DATE-TIME property: UTC (Z), with a TZID (IANA name)
// or floating (then in loc). All-day dates are refused.
func eventTime(ev *ics.VEvent, prop ics.ComponentProperty, loc *time.Location) (time.Time, error) {
	p := ev.GetProperty(prop)
	if p == nil {
		return time.Time{}, errors.New("missing")
	}
	if v := p.ICalParameters["VALUE"]; len(v) > 0 && strings.EqualFold(v[0], "DATE") || len(strings.TrimSpace(p.Value)) == 8 {
		return time.Time{}, errors.New("an all-day event is not a session")
	}
	if tz := p.ICalParameters["TZID"]; len(tz) == 1 {
		p.ICalParameters["TZID"] = []string{strings.TrimPrefix(strings.TrimSpace(tz[0]), "/")}
	}
	t, err := ev.ComponentBase.GetStartAt()
	if prop == ics.ComponentPropertyDtEnd {
		t, err = ev.GetEndAt()
	}
	if err != nil {
		return time.Time{}, fmt.Errorf("bad date, time or time zone: %.80s", err.Error())
	}
	if t.Year() < 2000 || t.Year() > 2200 {
		return time.Time{}, fmt.Errorf("year %d is out of range", t.Year())
	}
	if _, hasTZ := p.ICalParameters["TZID"]; !hasTZ && !strings.HasSuffix(strings.TrimSpace(p.Value), "Z") {
		t = time.Date(t.Year(), t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), 0, loc)
	}
	return t, nil
}

// eventDuration is DTEND − DTSTART, or DURATION.
func eventDuration(ev *ics.VEvent, start time.Time, loc *time.Location) (time.Duration, error) {
	if ev.GetProperty(ics.ComponentPropertyDtEnd) != nil {
		end, err := eventTime(ev, ics.ComponentPropertyDtEnd, loc)
		if err != nil {
			return 0, fmt.Errorf("DTEND: %w", err)
		}
		return end.Sub(start), nil
	}
	if p := ev.GetProperty(ics.ComponentPropertyDuration); p != nil {
		d, err := parseICalDuration(p.Value)
		if err != nil {
			return 0, fmt.Errorf("DURATION: %w", err)
		}
		return d, nil
	}
	return 0, errors.New("neither DTEND nor DURATION")
}

var icalDuration = regexp.MustCompile(`^\+?P(?:(\d{1,4})W)?(?:(\d{1,4})D)?(?:T(?:(\d{1,4})H)?(?:(\d{1,5})M)?(?:(\d{1,6})S)?)?$`)

// parseICalDuration reads RFC 5545 durations such as PT50M or P1DT2H.
func parseICalDuration(s string) (time.Duration, error) {
	m := icalDuration.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil || s == "P" || strings.HasSuffix(s, "T") {
		return 0, fmt.Errorf("%.40q is not a duration like PT50M", s)
	}
	units := []time.Duration{7 * 24 * time.Hour, 24 * time.Hour, time.Hour, time.Minute, time.Second}
	var d time.Duration
	for i, u := range units {
		if m[i+1] != "" {
			n, _ := strconv.Atoi(m[i+1])
			d += time.Duration(n) * u
		}
	}
	return d, nil
}

// eventClients returns the client addresses: the ClientField property's
// values, or the ATTENDEEs except the ORGANIZER and those who declined.
func eventClients(ev *ics.VEvent, field string) []string {
	var out []string
	if field != "" {
		for _, p := range ev.GetProperties(ics.ComponentProperty(field)) {
			for _, v := range strings.Split(ics.FromText(p.Value), ",") {
				out = append(out, mailtoAddress(v))
			}
		}
		return out
	}
	organizer := ""
	if p := ev.GetProperty(ics.ComponentPropertyOrganizer); p != nil {
		organizer = strings.ToLower(mailtoAddress(p.Value))
	}
	for _, at := range ev.Attendees() {
		addr := mailtoAddress(at.Value)
		if strings.ToLower(addr) == organizer || at.ParticipationStatus() == ics.ParticipationStatusDeclined {
			continue
		}
		out = append(out, addr)
	}
	return out
}

func mailtoAddress(v string) string {
	v = strings.TrimSpace(v)
	if len(v) >= 7 && strings.EqualFold(v[:7], "mailto:") {
		v = v[7:]
	}
	return v
}

func truncate(s string, n int) string {
	s = strings.TrimSpace(s)
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8Start(s[n]) {
		n--
	}
	return s[:n]
}

func utf8Start(b byte) bool { return b&0xC0 != 0x80 }
