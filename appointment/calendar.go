package appointment

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"strings"
	"time"

	"meetd/appointment/feed"
)

// feedTimeout bounds one fetch of the feed.
const feedTimeout = time.Minute

// Calendar keeps the store in step with the booking calendar's feed.
type Calendar struct {
	// Source is an https URL or a file path.
	Source  string
	Store   *Store
	Options FeedOptions
	Poll    time.Duration
	// Client fetches https feeds (default: a client with feedTimeout).
	Client *http.Client
	// Changed is called after a sync that changed something (the outbox
	// wakes up); may be nil.
	Changed func()
	Log     *slog.Logger
}

// Run syncs now and then every Poll until ctx ends. A failed sync is
// logged and changes nothing.
func (c *Calendar) Run(ctx context.Context) error {
	if c.Log == nil {
		c.Log = slog.New(slog.DiscardHandler)
	}
	t := time.NewTicker(c.Poll)
	defer t.Stop()
	for {
		if _, err := c.Sync(ctx); err != nil && ctx.Err() == nil {
			c.Log.Warn("appointment: calendar not read; appointments unchanged", "err", err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}

// Sync reads the feed once and applies it.
func (c *Calendar) Sync(ctx context.Context) (SyncResult, error) {
	data, err := c.fetch(ctx)
	if err != nil {
		return SyncResult{}, err
	}
	f, err := feed.Parse(data, feed.Options{ClientField: c.Options.ClientField, Location: c.Options.Location})
	if err != nil {
		return SyncResult{}, fmt.Errorf("%w: %w", ErrFeed, err)
	}
	events := c.appointments(f)
	for _, p := range f.Problems {
		c.logger().Warn("appointment: calendar event skipped", "problem", p)
	}
	r, err := c.Store.Sync(ctx, events, f.Skipped)
	if err != nil {
		return r, err
	}
	c.logger().Info("appointment: calendar read", "events", len(events), "added", r.Added, "updated", r.Updated,
		"cancelled", r.Cancelled, "skipped", len(f.Problems))
	if r.Added+r.Updated+r.Cancelled > 0 && c.Changed != nil {
		c.Changed()
	}
	return r, nil
}

func (c *Calendar) logger() *slog.Logger {
	if c.Log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Log
}

// FeedOptions say how a feed's events become appointments.
type FeedOptions struct {
	// ClientField is the property holding the client's address; empty:
	// the ATTENDEEs (without the ORGANIZER and those who declined).
	ClientField string
	// Location is the zone of floating times (no TZID, no Z).
	Location *time.Location
	// Language and Host are the appointments' defaults.
	Language, Host string
}

// appointments turns the feed's events into appointments; one that is not
// a valid appointment (a bad address, too long) is skipped like an
// unreadable event.
func (c *Calendar) appointments(f *feed.Feed) []*Appointment {
	out := make([]*Appointment, 0, len(f.Events))
	for _, e := range f.Events {
		a := &Appointment{UID: e.UID, Start: e.Start, Duration: e.Duration, Title: e.Title, Emails: e.Emails,
			Recording: e.Recording, Language: c.Options.Language, Host: c.Options.Host,
			Source: SourceCalendar, Status: StatusScheduled}
		if e.Cancelled {
			a.Status = StatusCancelled
		}
		if err := a.normalize(); err != nil {
			f.Skip(e.UID, err)
			continue
		}
		out = append(out, a)
	}
	return out
}

// fetch reads the feed, at most maxFeedBytes.
func (c *Calendar) fetch(ctx context.Context) ([]byte, error) {
	if !strings.HasPrefix(c.Source, "https://") {
		f, err := os.Open(c.Source)
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrFeed, err)
		}
		defer f.Close()
		return readLimited(f)
	}
	ctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.Source, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFeed, err)
	}
	req.Header.Set("Accept", "text/calendar")
	cl := c.Client
	if cl == nil {
		cl = &http.Client{Timeout: feedTimeout}
	}
	resp, err := cl.Do(req)
	if err != nil {
		// The URL may carry a secret token (calendar exports do): say
		// what failed, not where.
		return nil, fmt.Errorf("%w: fetching the feed failed: %s", ErrFeed, redact(err.Error()))
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: the feed's server answered %s", ErrFeed, resp.Status)
	}
	return readLimited(resp.Body)
}

func readLimited(r io.Reader) ([]byte, error) {
	b, err := io.ReadAll(io.LimitReader(r, feed.MaxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrFeed, err)
	}
	if len(b) > feed.MaxBytes {
		return nil, fmt.Errorf("%w: larger than %d MiB", ErrFeed, feed.MaxBytes>>20)
	}
	return b, nil
}
