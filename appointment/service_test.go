package appointment

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	ics "github.com/arran4/golang-ical"
	"go.uber.org/goleak"
)

// TestServiceRun runs the whole background service as meetd does: the
// calendar file's session becomes an appointment, its reminder goes out at
// once (the session is 10 minutes away), an appointment that ended longer
// ago than Keep is deleted, and everything stops with the context.
func TestServiceRun(t *testing.T) {
	ignore := goleak.IgnoreCurrent()
	t.Cleanup(func() { goleak.VerifyNone(t, ignore) })
	srv := startSMTP(t, false)
	dir := t.TempDir()
	c := newClock(t0)
	st := openStore(t, dir, c)
	old := addAppt(t, st, &Appointment{Start: t0.Add(-40 * 24 * time.Hour), Duration: time.Hour})
	doc := ics.NewCalendar()
	event(doc, "svc@booking", t0.Add(10*time.Minute).Format("20060102T150405"), "Z", 50, "client@example.org")
	feed := filepath.Join(dir, "feed.ics")
	if err := os.WriteFile(feed, []byte(doc.Serialize()), 0o600); err != nil {
		t.Fatal(err)
	}
	var log syncBuffer
	out := newOutbox(t, st, c, NewSMTP(srv.config("starttls")), &log)
	svc := &Service{Store: st, Outbox: out, Keep: 30 * 24 * time.Hour, Now: c.Now, Log: out.Log,
		Calendar: &Calendar{Source: feed, Store: st, Poll: time.Hour, Changed: out.Wake}}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() { done <- svc.Run(ctx) }()
	deadline := time.Now().Add(30 * time.Second)
	purged := func() bool { _, err := st.ByRoom(context.Background(), old.Room); return err != nil }
	for (len(srv.messages()) == 0 || !purged()) && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run: %v", err)
	}
	if n := len(srv.messages()); n != 1 {
		t.Fatalf("%d mails, want 1", n)
	}
	if !purged() {
		t.Errorf("an appointment 40 days old was not deleted; log:\n%s", log.String())
	}
}
