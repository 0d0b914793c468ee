package appointment

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"sync"
	"testing"
	"time"
)

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func newClock(t time.Time) *clock { return &clock{t: t} }

func (c *clock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *clock) Set(t time.Time) { c.mu.Lock(); c.t = t; c.mu.Unlock() }

var t0 = time.Date(2026, 12, 8, 9, 0, 0, 0, time.UTC)

func openStore(t *testing.T, dir string, c *clock) *Store {
	t.Helper()
	s, err := Open(context.Background(), dir, StoreOptions{RemindBefore: 30 * time.Minute, Now: c.Now})
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestStoreAddGetListCancel(t *testing.T) {
	ctx := context.Background()
	c := newClock(t0)
	s := openStore(t, t.TempDir(), c)
	a := &Appointment{Start: t0.Add(time.Hour), Duration: 50 * time.Minute, Title: " Session ",
		Emails: []string{"client@example.org", "Client@example.org"}}
	if err := s.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	if !IsRoom(a.Room) || a.ID == 0 {
		t.Fatalf("room %q id %d", a.Room, a.ID)
	}
	got, err := s.Get(ctx, a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Title != "Session" || len(got.Emails) != 1 || !got.Start.Equal(a.Start) || got.Duration != a.Duration ||
		got.Language != "de" || got.Status != StatusScheduled || got.Source != SourceCLI {
		t.Errorf("got %+v", got)
	}
	if got.Reminder.State != ReminderPending || !got.Reminder.Due.Equal(a.Start.Add(-30*time.Minute)) {
		t.Errorf("reminder %+v", got.Reminder)
	}
	if r, err := s.ByRoom(ctx, a.Room); err != nil || r.ID != a.ID {
		t.Errorf("ByRoom = %v, %v", r, err)
	}
	list, err := s.List(ctx, t0)
	if err != nil || len(list) != 1 {
		t.Fatalf("List = %v, %v", list, err)
	}
	if err := s.Cancel(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	got, _ = s.Get(ctx, a.ID)
	if got.Status != StatusCancelled || got.Reminder.State != ReminderNone {
		t.Errorf("after cancel: %s, reminder %s", got.Status, got.Reminder.State)
	}
	if err := s.Cancel(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Cancel(999) = %v", err)
	}
	if _, err := s.Get(ctx, 999); !errors.Is(err, ErrNotFound) {
		t.Errorf("Get(999) = %v", err)
	}
}

func TestStoreRejectsInvalid(t *testing.T) {
	s := openStore(t, t.TempDir(), newClock(t0))
	tests := []struct {
		name string
		a    Appointment
	}{
		{"no start", Appointment{Duration: time.Hour}},
		{"no duration", Appointment{Start: t0}},
		{"too long", Appointment{Start: t0, Duration: 13 * time.Hour}},
		{"bad email", Appointment{Start: t0, Duration: time.Hour, Emails: []string{"not an address"}}},
		{"display name", Appointment{Start: t0, Duration: time.Hour, Emails: []string{"A <a@example.org>"}}},
		{"language", Appointment{Start: t0, Duration: time.Hour, Language: "fr"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := s.Add(context.Background(), &tt.a); !errors.Is(err, ErrInvalid) {
				t.Errorf("Add = %v, want ErrInvalid", err)
			}
		})
	}
	if l, _ := s.List(context.Background(), time.Time{}); len(l) != 0 {
		t.Errorf("invalid appointments stored: %d", len(l))
	}
}

func TestStoreSurvivesReopenAndRefusesNewerSchema(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	c := newClock(t0)
	s := openStore(t, dir, c)
	a := &Appointment{Start: t0, Duration: time.Hour}
	if err := s.Add(ctx, a); err != nil {
		t.Fatal(err)
	}
	s.Close()
	s2 := openStore(t, dir, c)
	if got, err := s2.Get(ctx, a.ID); err != nil || got.Room != a.Room {
		t.Fatalf("after reopen: %v, %v", got, err)
	}
	s2.Close()
	db, err := sql.Open("sqlite", filepath.Join(dir, FileName))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec("PRAGMA user_version = 99"); err != nil {
		t.Fatal(err)
	}
	db.Close()
	if _, err := Open(ctx, dir, StoreOptions{}); !errors.Is(err, ErrSchema) {
		t.Errorf("Open(newer schema) = %v, want ErrSchema", err)
	}
}

func TestStorePurge(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, t.TempDir(), newClock(t0))
	old := &Appointment{Start: t0.Add(-40 * 24 * time.Hour), Duration: time.Hour, Emails: []string{"a@example.org"}}
	recent := &Appointment{Start: t0.Add(-2 * 24 * time.Hour), Duration: time.Hour}
	for _, a := range []*Appointment{old, recent} {
		if err := s.Add(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.Purge(ctx, t0.Add(-30*24*time.Hour))
	if err != nil || n != 1 {
		t.Fatalf("Purge = %d, %v", n, err)
	}
	if _, err := s.Get(ctx, old.ID); !errors.Is(err, ErrNotFound) {
		t.Errorf("old appointment still there: %v", err)
	}
	var left int
	s.db.QueryRow("SELECT COUNT(*) FROM outbox WHERE appointment = ?", old.ID).Scan(&left)
	if left != 0 {
		t.Errorf("outbox rows of a purged appointment: %d", left)
	}
	if _, err := s.Get(ctx, recent.ID); err != nil {
		t.Errorf("recent appointment purged: %v", err)
	}
}

func TestRoomsAreRandomAndRecognised(t *testing.T) {
	seen := map[string]bool{}
	for range 10000 {
		r := newRoom()
		if !IsRoom(r) {
			t.Fatalf("IsRoom(%q) = false", r)
		}
		if seen[r] {
			t.Fatalf("room %q twice", r)
		}
		seen[r] = true
	}
	for _, r := range []string{"", "s-", "lobby", "s-AAAAAAAAAAAAAAAAAAAAAAAAAA", "s-aaaaaaaaaaaaaaaaaaaaaaaaa1", "x-aaaaaaaaaaaaaaaaaaaaaaaaaa"} {
		if IsRoom(r) {
			t.Errorf("IsRoom(%q) = true", r)
		}
	}
}
