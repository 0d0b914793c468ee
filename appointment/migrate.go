package appointment

import (
	"context"
	"database/sql"
	"fmt"
)

// migrations are the schema steps, applied in order inside one transaction
// each; PRAGMA user_version counts the ones applied. Append only: a
// released step is never edited.
var migrations = []string{
	// 1: appointments and their outbox (reminders, recording links).
	`CREATE TABLE appointments (
		id INTEGER PRIMARY KEY,
		room TEXT NOT NULL UNIQUE,
		start INTEGER NOT NULL,          -- unix seconds
		duration INTEGER NOT NULL,       -- seconds
		title TEXT NOT NULL DEFAULT '',
		host TEXT NOT NULL DEFAULT '',
		emails TEXT NOT NULL DEFAULT '', -- newline-separated
		language TEXT NOT NULL,
		status TEXT NOT NULL,
		recording INTEGER NOT NULL DEFAULT 0,
		source TEXT NOT NULL,
		uid TEXT UNIQUE,                 -- calendar UID, NULL otherwise
		created INTEGER NOT NULL,
		updated INTEGER NOT NULL
	);
	CREATE INDEX appointments_start ON appointments(start);
	CREATE TABLE outbox (
		id INTEGER PRIMARY KEY,
		appointment INTEGER NOT NULL REFERENCES appointments(id) ON DELETE CASCADE,
		kind TEXT NOT NULL,              -- 'reminder' or 'recording'
		state TEXT NOT NULL,
		due INTEGER NOT NULL,            -- unix seconds: not before
		attempts INTEGER NOT NULL DEFAULT 0,
		last_error TEXT NOT NULL DEFAULT '',
		sent_at INTEGER NOT NULL DEFAULT 0,
		link TEXT NOT NULL DEFAULT ''    -- recording link (a secret; never logged)
	);
	CREATE UNIQUE INDEX outbox_reminder ON outbox(appointment) WHERE kind = 'reminder';
	CREATE INDEX outbox_due ON outbox(state, due);`,
}

// migrate brings the database to the newest schema. A database from a
// newer meetd is refused (ErrSchema) rather than guessed at.
func migrate(ctx context.Context, db *sql.DB) error {
	var have int
	if err := db.QueryRowContext(ctx, "PRAGMA user_version").Scan(&have); err != nil {
		return fmt.Errorf("appointment: schema version: %w", err)
	}
	if have > len(migrations) {
		return fmt.Errorf("%w (schema %d, this meetd knows %d)", ErrSchema, have, len(migrations))
	}
	for v := have; v < len(migrations); v++ {
		if err := step(ctx, db, v+1, migrations[v]); err != nil {
			return fmt.Errorf("appointment: schema step %d: %w", v+1, err)
		}
	}
	return nil
}

func step(ctx context.Context, db *sql.DB, version int, ddl string) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, ddl); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, fmt.Sprintf("PRAGMA user_version = %d", version)); err != nil {
		return err
	}
	return tx.Commit()
}
