package appointment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"

	// modernc.org/sqlite is SQLite translated to Go: no cgo, so meetd stays
	// one static binary.
	_ "modernc.org/sqlite"
)

// FileName is the database's name in state_dir.
const FileName = "appointments.db"

// Store is the appointment database. It is safe for concurrent use, also
// by several processes (meetd and `meetd appointment`): SQLite's WAL mode
// and a busy timeout serialise the writers.
type Store struct {
	db           *sql.DB
	remindBefore time.Duration
	now          func() time.Time
}

// StoreOptions configure Open.
type StoreOptions struct {
	// RemindBefore is how long before the start the reminder is due.
	RemindBefore time.Duration
	// Now is the clock (default time.Now); tests inject theirs.
	Now func() time.Time
}

// Open opens (creating when missing, readable by the owner only) the
// database in stateDir and brings its schema up to date.
func Open(ctx context.Context, stateDir string, o StoreOptions) (*Store, error) {
	if err := os.MkdirAll(stateDir, 0o700); err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	path := filepath.Join(stateDir, FileName)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	_ = f.Close()
	q := url.Values{"_pragma": {"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(FULL)"},
		"_txlock": {"immediate"}}
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	if err := migrate(ctx, db); err != nil {
		_ = db.Close()
		return nil, err
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Store{db: db, remindBefore: o.RemindBefore, now: o.Now}, nil
}

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

const apptColumns = `a.id, a.room, a.start, a.duration, a.title, a.host, a.emails, a.language, a.status,
	a.recording, a.source, COALESCE(a.uid, ''),
	COALESCE(o.state, 'none'), COALESCE(o.due, 0), COALESCE(o.attempts, 0), COALESCE(o.last_error, ''), COALESCE(o.sent_at, 0)`

const apptFrom = ` FROM appointments a LEFT JOIN outbox o ON o.appointment = a.id AND o.kind = 'reminder'`

type scanner interface{ Scan(dest ...any) error }

func scanAppointment(r scanner) (*Appointment, error) {
	var a Appointment
	var start, dur, due, sent int64
	var emails string
	err := r.Scan(&a.ID, &a.Room, &start, &dur, &a.Title, &a.Host, &emails, &a.Language, &a.Status,
		&a.Recording, &a.Source, &a.UID,
		&a.Reminder.State, &due, &a.Reminder.Attempts, &a.Reminder.LastError, &sent)
	if err != nil {
		return nil, err
	}
	a.Start, a.Duration = time.Unix(start, 0).UTC(), time.Duration(dur)*time.Second
	a.Reminder.Due = unixTime(due)
	a.Reminder.SentAt = unixTime(sent)
	if emails != "" {
		a.Emails = strings.Split(emails, "\n")
	}
	return &a, nil
}

func unixTime(s int64) time.Time {
	if s == 0 {
		return time.Time{}
	}
	return time.Unix(s, 0).UTC()
}

// Get returns the appointment with id (ErrNotFound if none).
func (s *Store) Get(ctx context.Context, id int64) (*Appointment, error) {
	return s.one(ctx, "a.id = ?", id)
}

// ByRoom returns the appointment held in room (ErrNotFound if none).
func (s *Store) ByRoom(ctx context.Context, room string) (*Appointment, error) {
	return s.one(ctx, "a.room = ?", room)
}

func (s *Store) one(ctx context.Context, where string, arg any) (*Appointment, error) {
	a, err := scanAppointment(s.db.QueryRowContext(ctx, "SELECT "+apptColumns+apptFrom+" WHERE "+where, arg))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	return a, nil
}

// List returns the appointments that end at or after from, earliest first.
func (s *Store) List(ctx context.Context, from time.Time) ([]*Appointment, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT "+apptColumns+apptFrom+
		" WHERE a.start + a.duration >= ? ORDER BY a.start, a.id", from.Unix())
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	defer rows.Close()
	var out []*Appointment
	for rows.Next() {
		a, err := scanAppointment(rows)
		if err != nil {
			return nil, fmt.Errorf("appointment: %w", err)
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
