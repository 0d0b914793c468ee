package appointment

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Add stores a new appointment, gives it a fresh room and schedules its
// reminder. a.ID, a.Room and a.Reminder are set on success.
func (s *Store) Add(ctx context.Context, a *Appointment) error {
	if err := a.normalize(); err != nil {
		return err
	}
	if a.Source == "" {
		a.Source = SourceCLI
	}
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	defer tx.Rollback()
	if err := s.insert(ctx, tx, a); err != nil {
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

func (s *Store) insert(ctx context.Context, tx *sql.Tx, a *Appointment) error {
	a.Room = newRoom()
	now := s.now().Unix()
	var uid any
	if a.UID != "" {
		uid = a.UID
	}
	res, err := tx.ExecContext(ctx, `INSERT INTO appointments
		(room, start, duration, title, host, emails, language, status, recording, source, uid, created, updated)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		a.Room, a.Start.Unix(), int64(a.Duration/time.Second), a.Title, a.Host, strings.Join(a.Emails, "\n"),
		a.Language, a.Status, a.Recording, a.Source, uid, now, now)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	if a.ID, err = res.LastInsertId(); err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	a.Reminder = s.plannedReminder(a)
	_, err = tx.ExecContext(ctx, `INSERT INTO outbox (appointment, kind, state, due) VALUES (?, 'reminder', ?, ?)`,
		a.ID, a.Reminder.State, a.Reminder.Due.Unix())
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

// plannedReminder is the reminder a not-yet-reminded appointment should
// have: due remind_before its start, or none without an address.
func (s *Store) plannedReminder(a *Appointment) Reminder {
	r := Reminder{State: ReminderPending, Due: a.Start.Add(-s.remindBefore)}
	if len(a.Emails) == 0 || a.Status != StatusScheduled {
		r.State = ReminderNone
	}
	return r
}

// Cancel marks the appointment cancelled; a reminder not yet sent is
// dropped. Its links stop working (the web page and the token check
// consult the status).
func (s *Store) Cancel(ctx context.Context, id int64) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	defer tx.Rollback()
	if err := s.cancel(ctx, tx, id); err != nil {
		return err
	}
	return commit(tx)
}

func (s *Store) cancel(ctx context.Context, tx *sql.Tx, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE appointments SET status = ?, updated = ? WHERE id = ?`,
		StatusCancelled, s.now().Unix(), id)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return ErrNotFound
	}
	_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = 'none'
		WHERE appointment = ? AND kind = 'reminder' AND state = 'pending'`, id)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

func commit(tx *sql.Tx) error {
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

// Purge deletes the appointments (and their outbox) that ended before
// cutoff, returning how many.
func (s *Store) Purge(ctx context.Context, cutoff time.Time) (int64, error) {
	res, err := s.db.ExecContext(ctx, `DELETE FROM appointments WHERE start + duration < ?`, cutoff.Unix())
	if err != nil {
		return 0, fmt.Errorf("appointment: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// errNoRow tells sql.ErrNoRows apart from other errors.
func errNoRow(err error) bool { return errors.Is(err, sql.ErrNoRows) }
