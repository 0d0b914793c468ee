package appointment

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"
)

var testSecret = []byte("0123456789abcdef0123456789abcdef")

func testLinks() Links {
	return Links{Base: &url.URL{Scheme: "https", Host: "meet.example.org"}, AppID: KeyAppID, Secret: testSecret,
		ClientEarly: DefaultClientEarly, HostEarly: DefaultHostEarly, Grace: DefaultGrace}
}

// syncBuffer is a log sink safe for the outbox goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) String() string { s.mu.Lock(); defer s.mu.Unlock(); return s.b.String() }

func newOutbox(t *testing.T, st *Store, c *clock, sender Sender, log *syncBuffer) *Outbox {
	t.Helper()
	ts, err := LoadTemplates("")
	if err != nil {
		t.Fatal(err)
	}
	berlin, _ := time.LoadLocation("Europe/Berlin")
	return &Outbox{Store: st, Sender: sender, Links: testLinks(), Templates: ts, Location: berlin,
		MessageHost: "meet.example.org", Now: c.Now, Log: slog.New(slog.NewTextHandler(log, &slog.HandlerOptions{Level: slog.LevelDebug}))}
}

func addAppt(t *testing.T, st *Store, a *Appointment) *Appointment {
	t.Helper()
	if err := st.Add(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	return a
}

func sendDue(t *testing.T, o *Outbox) int {
	t.Helper()
	n, err := o.SendDue(context.Background())
	if err != nil {
		t.Fatalf("SendDue: %v", err)
	}
	return n
}

// TestReminderAtT30 is the practice's case: the mail goes out at the start
// minus remind_before, once, to the client, with the client link, in the
// appointment's language — not before, and not again.
func TestReminderAtT30(t *testing.T) {
	for _, tt := range []struct {
		lang, security, subject, phrase string
		implicit                        bool
	}{
		{"de", "starttls", "Ihr Videogespräch am 08.12.2026 um 11:00 Uhr", "Der Link funktioniert ab 10:45 Uhr", false},
		{"en", "tls", "Your video session on 2026-12-08 at 11:00", "The link works from 10:45", true},
	} {
		t.Run(tt.lang+"/"+tt.security, func(t *testing.T) {
			srv := startSMTP(t, tt.implicit)
			c := newClock(t0) // 09:00 UTC = 10:00 in Berlin
			st := openStore(t, t.TempDir(), c)
			var log syncBuffer
			o := newOutbox(t, st, c, NewSMTP(srv.config(tt.security)), &log)
			a := addAppt(t, st, &Appointment{Start: t0.Add(time.Hour), Duration: 50 * time.Minute,
				Emails: []string{"client@example.org"}, Language: tt.lang})
			for _, at := range []time.Duration{0, 29 * time.Minute, 29*time.Minute + 59*time.Second} {
				c.Set(t0.Add(at))
				if n := sendDue(t, o); n != 0 || len(srv.messages()) != 0 {
					t.Fatalf("at start-%v: %d mails sent", time.Hour-at, n)
				}
			}
			c.Set(t0.Add(30 * time.Minute))
			if n := sendDue(t, o); n != 1 {
				t.Fatalf("at T-30: %d mails sent, want 1", n)
			}
			c.Set(t0.Add(40 * time.Minute))
			if n := sendDue(t, o); n != 0 {
				t.Fatalf("sent again: %d", n)
			}
			msgs := srv.messages()
			if len(msgs) != 1 || len(msgs[0].to) != 1 || msgs[0].to[0] != "client@example.org" || msgs[0].from != "praxis@example.org" {
				t.Fatalf("received %+v", msgs)
			}
			m := parseMail(t, msgs[0].raw)
			if m.subject != tt.subject {
				t.Errorf("subject %q, want %q", m.subject, tt.subject)
			}
			want, _ := o.Links.Client(a)
			if !strings.Contains(m.body, want) || !strings.Contains(m.body, tt.phrase) {
				t.Errorf("body lacks the client link or %q:\n%s", tt.phrase, m.body)
			}
			host, _ := o.Links.Host(a)
			if strings.Contains(m.body, host) {
				t.Error("the client's mail carries the host link")
			}
			if id := m.header.Get("Message-Id"); !strings.HasSuffix(id, "@meet.example.org>") {
				t.Errorf("Message-ID %q", id)
			}
			got, _ := st.Get(context.Background(), a.ID)
			if got.Reminder.State != ReminderSent || got.Reminder.Attempts != 1 || !got.Reminder.SentAt.Equal(t0.Add(30*time.Minute)) {
				t.Errorf("reminder %+v", got.Reminder)
			}
			assertNoSecrets(t, log.String(), want, "client@example.org")
		})
	}
}

// TestReminderOnceAcrossRestarts: an appointment made by one process, the
// process stops before the reminder is due, a new one sends it once; a
// third start sends nothing. A process that stopped mid-send leaves the
// entry claimed; the next one sends it again (same Message-ID).
func TestReminderOnceAcrossRestarts(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) }) // runs after the other cleanups
	srv := startSMTP(t, false)
	dir := t.TempDir()
	c := newClock(t0)
	var log syncBuffer
	st1, err := Open(context.Background(), dir, StoreOptions{RemindBefore: 30 * time.Minute, Now: c.Now})
	if err != nil {
		t.Fatal(err)
	}
	a := addAppt(t, st1, &Appointment{Start: t0.Add(time.Hour), Duration: time.Hour, Emails: []string{"client@example.org"}})
	b := addAppt(t, st1, &Appointment{Start: t0.Add(2 * time.Hour), Duration: time.Hour, Emails: []string{"other@example.org"}})
	st1.Close()

	c.Set(t0.Add(31 * time.Minute))
	for run := 0; run < 2; run++ { // the second run is a restart after the mail went out
		st := openStore(t, dir, c)
		o := newOutbox(t, st, c, NewSMTP(srv.config("starttls")), &log)
		runOutbox(t, o, func() bool { return len(srv.messages()) >= 1 })
		st.Close()
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d mails after two runs, want 1", n)
	}
	// A stop between claim and settle: the entry is sending; the next
	// process sends it (again) with the same Message-ID.
	c.Set(b.Start.Add(-30 * time.Minute))
	st := openStore(t, dir, c)
	due, err := st.due(context.Background(), c.Now(), 10)
	if err != nil || len(due) != 1 || due[0].Appointment.ID != b.ID {
		t.Fatalf("due = %v, %v", due, err)
	}
	if ok, err := st.claim(context.Background(), due[0].ID); !ok || err != nil {
		t.Fatalf("claim = %v, %v", ok, err)
	}
	st.Close()
	st = openStore(t, dir, c)
	o := newOutbox(t, st, c, NewSMTP(srv.config("starttls")), &log)
	runOutbox(t, o, func() bool { return len(srv.messages()) >= 2 })
	if n := len(srv.messages()); n != 2 {
		t.Fatalf("%d mails, want 2", n)
	}
	if got, _ := st.Get(context.Background(), a.ID); got.Reminder.State != ReminderSent {
		t.Errorf("a: %+v", got.Reminder)
	}
	if got, _ := st.Get(context.Background(), b.ID); got.Reminder.State != ReminderSent || got.Reminder.Attempts != 2 {
		t.Errorf("b: %+v", got.Reminder)
	}
	if !strings.Contains(log.String(), "queued again") {
		t.Errorf("the interrupted mail was not reported:\n%s", log.String())
	}
}

// runOutbox runs o until done reports true (or 20 s), then stops it.
func runOutbox(t *testing.T, o *Outbox, done func() bool) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	stopped := make(chan error)
	go func() { stopped <- o.Run(ctx) }()
	deadline := time.Now().Add(20 * time.Second)
	for !done() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // let a (wrong) second send show
	cancel()
	if err := <-stopped; err != nil {
		t.Fatalf("Run: %v", err)
	}
}

// TestReminderRetriesWhenRefused: a mail server that answers 451 leaves the
// reminder pending with the error (shown on the admin page, logged without
// the link or the address) and a later retry; once it accepts, the mail
// goes out once.
func TestReminderRetriesWhenRefused(t *testing.T) {
	srv := startSMTP(t, false)
	srv.setRefuse(true)
	c := newClock(t0.Add(30 * time.Minute))
	st := openStore(t, t.TempDir(), c)
	var log syncBuffer
	o := newOutbox(t, st, c, NewSMTP(srv.config("starttls")), &log)
	a := addAppt(t, st, &Appointment{Start: t0.Add(time.Hour), Duration: time.Hour, Emails: []string{"client@example.org"}})
	if n := sendDue(t, o); n != 0 {
		t.Fatalf("sent %d while refused", n)
	}
	got, _ := st.Get(context.Background(), a.ID)
	if got.Reminder.State != ReminderPending || got.Reminder.Attempts != 1 || !strings.Contains(got.Reminder.LastError, "451") ||
		!got.Reminder.Due.Equal(c.Now().Add(time.Minute)) {
		t.Fatalf("after a refusal: %+v", got.Reminder)
	}
	fails, err := st.Failures(context.Background())
	if err != nil || len(fails) != 1 || fails[0].Appointment != a.ID {
		t.Fatalf("Failures = %+v, %v", fails, err)
	}
	link, _ := o.Links.Client(a)
	assertNoSecrets(t, log.String()+got.Reminder.LastError, link, "client@example.org")
	if n := sendDue(t, o); n != 0 { // not before the pause is over
		t.Fatalf("retried at once: %d", n)
	}
	srv.setRefuse(false)
	c.Set(c.Now().Add(time.Minute))
	if n := sendDue(t, o); n != 1 {
		t.Fatalf("after the pause: %d sent", n)
	}
	c.Set(c.Now().Add(time.Hour))
	if n := sendDue(t, o); n != 0 || len(srv.messages()) != 1 {
		t.Fatalf("sent again: %d, %d received", n, len(srv.messages()))
	}
}

// TestReminderHangingServer: a server that accepts the connection and
// never answers costs one timeout, and the reminder is retried later.
func TestReminderHangingServer(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	var conns []net.Conn
	var mu sync.Mutex
	go func() {
		for {
			cn, err := ln.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, cn)
			mu.Unlock()
		}
	}()
	defer func() {
		mu.Lock()
		defer mu.Unlock()
		for _, cn := range conns {
			cn.Close()
		}
	}()
	c := newClock(t0.Add(30 * time.Minute))
	st := openStore(t, t.TempDir(), c)
	var log syncBuffer
	cfg := SMTPConfig{Host: "127.0.0.1", Port: ln.Addr().(*net.TCPAddr).Port, Security: "starttls",
		From: "praxis@example.org", Timeout: 500 * time.Millisecond}
	o := newOutbox(t, st, c, NewSMTP(cfg), &log)
	a := addAppt(t, st, &Appointment{Start: t0.Add(time.Hour), Duration: time.Hour, Emails: []string{"client@example.org"}})
	if n := sendDue(t, o); n != 0 {
		t.Fatalf("sent %d", n)
	}
	got, _ := st.Get(context.Background(), a.ID)
	if got.Reminder.State != ReminderPending || got.Reminder.Attempts != 1 || got.Reminder.LastError == "" {
		t.Fatalf("after a hanging server: %+v", got.Reminder)
	}
}

// TestReminderGivesUpAfterTheSession: retries stop once the session is
// over; the reminder is then failed, not lost silently.
func TestReminderGivesUpAfterTheSession(t *testing.T) {
	c := newClock(t0)
	st := openStore(t, t.TempDir(), c)
	var log syncBuffer
	o := newOutbox(t, st, c, failSender{}, &log)
	a := addAppt(t, st, &Appointment{Start: t0.Add(10 * time.Minute), Duration: 5 * time.Minute, Emails: []string{"c@example.org"}})
	for i := 0; i < 10; i++ {
		sendDue(t, o)
		c.Set(c.Now().Add(2 * time.Minute))
	}
	got, _ := st.Get(context.Background(), a.ID)
	if got.Reminder.State != ReminderFailed || got.Reminder.LastError == "" {
		t.Fatalf("reminder %+v", got.Reminder)
	}
}

type failSender struct{}

func (failSender) Send(context.Context, Message) error { return errors.New("connection refused") }

// TestDeliverRecording: the recording hook mails the link to the client of
// an appointment that wanted a recording, and refuses otherwise.
func TestDeliverRecording(t *testing.T) {
	srv := startSMTP(t, false)
	c := newClock(t0)
	st := openStore(t, t.TempDir(), c)
	var log syncBuffer
	o := newOutbox(t, st, c, NewSMTP(srv.config("starttls")), &log)
	with := addAppt(t, st, &Appointment{Start: t0.Add(-2 * time.Hour), Duration: time.Hour, Emails: []string{"client@example.org"},
		Recording: true, Language: "en"})
	without := addAppt(t, st, &Appointment{Start: t0.Add(-2 * time.Hour), Duration: time.Hour, Emails: []string{"b@example.org"}})
	ctx := context.Background()
	link := "https://meet.example.org/_meetd/recording/abc#key=secret"
	if err := o.DeliverRecording(ctx, without.Room, link); !errors.Is(err, ErrNoRecipient) {
		t.Errorf("without consent: %v", err)
	}
	if err := o.DeliverRecording(ctx, "s-unknown", link); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown room: %v", err)
	}
	if err := o.DeliverRecording(ctx, with.Room, link); err != nil {
		t.Fatal(err)
	}
	if n := sendDue(t, o); n != 1 {
		t.Fatalf("sent %d", n)
	}
	m := parseMail(t, srv.messages()[0].raw)
	if !strings.Contains(m.body, link) || !strings.HasPrefix(m.subject, "The recording of your video session") {
		t.Errorf("mail %q:\n%s", m.subject, m.body)
	}
	assertNoSecrets(t, log.String(), link, "client@example.org")
}

func assertNoSecrets(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range append(secrets, "jwt=", "https://") {
		if strings.Contains(text, s) {
			t.Errorf("%q appears in:\n%s", s, text)
		}
	}
}
