// Package appointment keeps a practice's sessions: when they start, who
// hosts them, whom to remind, and the unguessable room each one is held in.
//
// Appointments live in an embedded SQLite database in state_dir (Store).
// They are made on the command line, on the admin page (Admin) or from the
// practice's booking calendar (Calendar); each gets a host link and a client
// link that carry Jitsi tokens for its room (Links). A scheduler (Reminders)
// mails the client link [appointments] remind_before the start, exactly once
// per appointment, and the same outbox mails recording links (Deliverer).
//
// Links and tokens are secrets: nothing in this package logs them, and
// errors that may reach a log never contain them. See docs/appointments.md.
package appointment
