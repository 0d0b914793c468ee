package appointment

import (
	"context"
	"fmt"
	"time"
)

// Kinds of outbox mail.
const (
	KindReminder  = "reminder"
	KindRecording = "recording"
)

// maxErrorText bounds a stored mail-server answer.
const maxErrorText = 300

// Mail is one outbox entry due for sending.
type Mail struct {
	ID          int64
	Kind        string // KindReminder or KindRecording
	Appointment *Appointment
	Link        string // the recording link (KindRecording); a secret
	Attempts    int    // attempts before this one
}

// due returns the pending mails whose time has come (of scheduled
// appointments), oldest first, at most limit.
func (s *Store) due(ctx context.Context, now time.Time, limit int) ([]*Mail, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id, m.kind, m.link, m.attempts, m.appointment FROM outbox m
		JOIN appointments a ON a.id = m.appointment
		WHERE m.state = 'pending' AND m.due <= ? AND a.status = ? ORDER BY m.due, m.id LIMIT ?`,
		now.Unix(), StatusScheduled, limit)
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	var out []*Mail
	var ids []int64
	for rows.Next() {
		var m Mail
		var aid int64
		if err := rows.Scan(&m.ID, &m.Kind, &m.Link, &m.Attempts, &aid); err != nil {
			rows.Close()
			return nil, fmt.Errorf("appointment: %w", err)
		}
		out, ids = append(out, &m), append(ids, aid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	for i, m := range out {
		if m.Appointment, err = s.Get(ctx, ids[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// nextDue is the earliest due time of a pending mail (ok false if none).
func (s *Store) nextDue(ctx context.Context) (t time.Time, ok bool, err error) {
	var due *int64
	err = s.db.QueryRowContext(ctx, `SELECT MIN(m.due) FROM outbox m JOIN appointments a ON a.id = m.appointment
		WHERE m.state = 'pending' AND a.status = ?`, StatusScheduled).Scan(&due)
	if err != nil {
		return time.Time{}, false, fmt.Errorf("appointment: %w", err)
	}
	if due == nil {
		return time.Time{}, false, nil
	}
	return time.Unix(*due, 0), true, nil
}

// claim moves a pending mail to sending (one more attempt). false: someone
// else claimed it, or it was cancelled meanwhile.
func (s *Store) claim(ctx context.Context, id int64) (bool, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET state = 'sending', attempts = attempts + 1
		WHERE id = ? AND state = 'pending'`, id)
	if err != nil {
		return false, fmt.Errorf("appointment: %w", err)
	}
	n, _ := res.RowsAffected()
	return n == 1, nil
}

// settle records a claimed mail's outcome: state sent (sentAt set), pending
// again with a later due time (retry), or failed.
func (s *Store) settle(ctx context.Context, id int64, state string, due time.Time, errText string) error {
	if len(errText) > maxErrorText {
		errText = errText[:maxErrorText]
	}
	var sent int64
	if state == ReminderSent {
		sent = s.now().Unix()
	}
	// A sent recording link is not kept.
	_, err := s.db.ExecContext(ctx, `UPDATE outbox SET state = ?, due = ?, last_error = ?, sent_at = ?,
		link = CASE WHEN ? = 'sent' THEN '' ELSE link END
		WHERE id = ? AND state = 'sending'`, state, due.Unix(), errText, sent, state, id)
	if err != nil {
		return fmt.Errorf("appointment: %w", err)
	}
	return nil
}

// recoverSending returns mails left in sending by a process that stopped
// mid-send to pending. The mail server may have accepted such a mail: it is
// sent again with the same Message-ID (see docs/appointments.md).
func (s *Store) recoverSending(ctx context.Context) (int64, error) {
	res, err := s.db.ExecContext(ctx, `UPDATE outbox SET state = 'pending' WHERE state = 'sending'`)
	if err != nil {
		return 0, fmt.Errorf("appointment: %w", err)
	}
	n, _ := res.RowsAffected()
	return n, nil
}

// addRecording queues a recording link for the appointment held in room.
func (s *Store) addRecording(ctx context.Context, room, link string) (*Appointment, error) {
	a, err := s.ByRoom(ctx, room)
	if err != nil {
		return nil, err
	}
	if !a.Recording || len(a.Emails) == 0 {
		return nil, fmt.Errorf("%w: appointment %d has no client address or no recording wanted", ErrNoRecipient, a.ID)
	}
	_, err = s.db.ExecContext(ctx, `INSERT INTO outbox (appointment, kind, state, due, link)
		VALUES (?, 'recording', 'pending', ?, ?)`, a.ID, s.now().Unix(), link)
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	return a, nil
}

// Failures returns the outbox entries that failed or are being retried,
// for the admin page: appointment id, kind, attempts and the error text.
func (s *Store) Failures(ctx context.Context) ([]Failure, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT appointment, kind, state, attempts, last_error FROM outbox
		WHERE last_error != '' AND state != 'sent' ORDER BY appointment`)
	if err != nil {
		return nil, fmt.Errorf("appointment: %w", err)
	}
	defer rows.Close()
	var out []Failure
	for rows.Next() {
		var f Failure
		if err := rows.Scan(&f.Appointment, &f.Kind, &f.State, &f.Attempts, &f.Error); err != nil {
			return nil, fmt.Errorf("appointment: %w", err)
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// Failure is an outbox entry the mail server has not accepted yet.
type Failure struct {
	Appointment int64
	Kind, State string
	Attempts    int
	Error       string
}
