package appointment

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"
)

// SyncResult counts what a calendar sync changed.
type SyncResult struct {
	Added, Updated, Cancelled, Unchanged int
}

// Sync makes the calendar's appointments match events (all with a UID,
// Source SourceCalendar): new UIDs are added, changed ones updated,
// cancelled ones and UIDs missing from the feed cancelled — missing ones
// only while they have not ended, since feeds drop past events. UIDs in
// keep (events the feed has but could not be read) stay as they are. One
// transaction: a sync applies whole or not at all.
func (s *Store) Sync(ctx context.Context, events []*Appointment, keep map[string]bool) (SyncResult, error) {
	var r SyncResult
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return r, fmt.Errorf("appointment: %w", err)
	}
	defer tx.Rollback()
	seen := make(map[string]bool, len(events)+len(keep))
	for uid := range keep {
		seen[uid] = true
	}
	for _, e := range events {
		seen[e.UID] = true
		if err := s.syncOne(ctx, tx, e, &r); err != nil {
			return SyncResult{}, err
		}
	}
	if err := s.cancelMissing(ctx, tx, seen, &r); err != nil {
		return SyncResult{}, err
	}
	return r, commit(tx)
}

func (s *Store) syncOne(ctx context.Context, tx *sql.Tx, e *Appointment, r *SyncResult) error {
	e.Source = SourceCalendar
	if err := e.normalize(); err != nil {
		return err
	}
	old, err := scanAppointment(tx.QueryRowContext(ctx, "SELECT "+apptColumns+apptFrom+" WHERE a.uid = ?", e.UID))
	switch {
	case errNoRow(err):
		r.Added++
		return s.insert(ctx, tx, e)
	case err != nil:
		return fmt.Errorf("appointment: %w", err)
	case sameEvent(old, e):
		r.Unchanged++
		return nil
	}
	r.Updated++
	if e.Status == StatusCancelled && old.Status != StatusCancelled {
		r.Updated--
		r.Cancelled++
	}
	return s.update(ctx, tx, old, e)
}

// sameEvent reports whether the calendar's copy e changes nothing in a.
func sameEvent(a, e *Appointment) bool {
	return a.Start.Equal(e.Start) && a.Duration == e.Duration && a.Title == e.Title && a.Host == e.Host &&
		strings.Join(a.Emails, "\n") == strings.Join(e.Emails, "\n") && a.Status == e.Status &&
		a.Language == e.Language && a.Recording == e.Recording
}

// update writes e's fields over old's (room and id stay). A reminder that
// has not gone out is planned anew; one already sent is not sent again.
func (s *Store) update(ctx context.Context, tx *sql.Tx, old, e *Appointment) error {
	_, err := tx.ExecContext(ctx, `UPDATE appointments SET start = ?, duration = ?, title = ?, host = ?,
		emails = ?, language = ?, status = ?, recording = ?, updated = ? WHERE id = ?`,
		e.Start.Unix(), int64(e.Duration/time.Second), e.Title, e.Host, strings.Join(e.Emails, "\n"),
		e.Language, e.Status, e.Recording, s.now().Unix(), old.ID)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	p := s.plannedReminder(e)
	_, err = tx.ExecContext(ctx, `UPDATE outbox SET state = ?, due = ?
		WHERE appointment = ? AND kind = 'reminder' AND state IN ('pending', 'none')`,
		p.State, p.Due.Unix(), old.ID)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

// cancelMissing cancels calendar appointments, not yet ended, whose UID
// the feed no longer has.
func (s *Store) cancelMissing(ctx context.Context, tx *sql.Tx, seen map[string]bool, r *SyncResult) error {
	rows, err := tx.QueryContext(ctx, `SELECT id, uid FROM appointments
		WHERE source = ? AND status = ? AND start + duration >= ?`, SourceCalendar, StatusScheduled, s.now().Unix())
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	var gone []int64
	for rows.Next() {
		var id int64
		var uid string
		if err := rows.Scan(&id, &uid); err != nil {
			rows.Close()
			return fmt.Errorf("appointment: %w", err)
		}
		if !seen[uid] {
			gone = append(gone, id)
		}
	}
	rows.Close()
	for _, id := range gone {
		if err := s.cancel(ctx, tx, id); err != nil {
			return err
		}
		r.Cancelled++
	}
	return nil
}
