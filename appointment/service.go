package appointment

import (
	"context"
	"log/slog"
	"sync"
	"time"
)

// purgeEvery is how often expired appointments are deleted.
const purgeEvery = time.Hour

// Service runs what appointments need in the background: the outbox, the
// calendar import (when configured) and the deletion of appointments Keep
// after their session.
type Service struct {
	Store    *Store
	Outbox   *Outbox
	Calendar *Calendar // nil: no booking calendar
	Keep     time.Duration
	Now      func() time.Time
	Log      *slog.Logger
}

// Run runs until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if s.Now == nil {
		s.Now = time.Now
	}
	if s.Log == nil {
		s.Log = slog.New(slog.DiscardHandler)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 2)
	wg.Go(func() { errs <- s.Outbox.Run(ctx) })
	if s.Calendar != nil {
		wg.Go(func() { errs <- s.Calendar.Run(ctx) })
	}
	s.purgeLoop(ctx)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) purgeLoop(ctx context.Context) {
	t := time.NewTicker(purgeEvery)
	defer t.Stop()
	for {
		s.Purge(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Purge deletes the appointments whose session ended more than Keep ago.
func (s *Service) Purge(ctx context.Context) {
	n, err := s.Store.Purge(ctx, s.Now().Add(-s.Keep))
	switch {
	case err != nil && ctx.Err() == nil:
		s.Log.Error("appointment: deleting old appointments", "err", err)
	case n > 0:
		s.Log.Info("appointment: old appointments deleted", "count", n)
	}
}
