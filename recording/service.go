package recording

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"meetd/bridge"
	"meetd/focus"
	"meetd/recording/compose"
	"meetd/recording/link"
	"meetd/recording/spool"
	"meetd/recording/vault"
)

// Config is what the recording service needs from meetd's configuration.
type Config struct {
	Dir        string        // where the store lives
	PublicURL  string        // https base URL links are made from, no trailing slash
	LinkTTL    time.Duration // how long a link works
	Keep       time.Duration // how long a recording is kept
	RequireAll bool          // nothing is written until all present consented
	MaxLength  time.Duration // a recording stops by itself after this long
	Compose    compose.Options
	Logger     *slog.Logger
	Delivery   Delivery // optional: e.g. email (appointments)
	Now        func() time.Time
}

// Service records conferences: it implements focus.Recorder.
type Service struct {
	cfg    Config
	log    *slog.Logger
	bridge Bridge
	store  *vault.Store
	signer *link.Signer
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup
	// composeSlot lets one composition run at a time (CPU bound).
	composeSlot chan struct{}

	mu       sync.Mutex
	sessions map[*Session]bool // running
}

// LinkSecretFile is the name of the link-signing secret in the store.
const LinkSecretFile = "link.key"

// New opens the store in cfg.Dir, removes what a stopped meetd left
// behind (and logs it: a spool's key died with the process, so a partial
// recording cannot be composed) and returns the service.
func New(cfg Config, br Bridge) (*Service, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	store, err := vault.NewStore(cfg.Dir)
	if err != nil {
		return nil, err
	}
	signer, err := link.LoadSigner(filepath.Join(cfg.Dir, LinkSecretFile))
	if err != nil {
		return nil, err
	}
	s := &Service{cfg: cfg, log: cfg.Logger, bridge: br, store: store, signer: signer,
		composeSlot: make(chan struct{}, 1), sessions: map[*Session]bool{}}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	gone, err := store.Leftovers()
	for _, name := range gone {
		s.log.Warn("a recording was interrupted when meetd stopped; its encrypted spool cannot be read any more and was removed", "file", name)
	}
	return s, err
}

// Store returns the service's store (for the HTTP handler and the CLI).
func (s *Service) Store() *vault.Store { return s.store }

// Signer returns the link signer.
func (s *Service) Signer() *link.Signer { return s.signer }

// StartRecording implements focus.Recorder.
func (s *Service) StartRecording(ctx context.Context, st focus.RecordingStart, done func(focus.RecordingResult)) (focus.RecordingSession, error) {
	if s.ctx.Err() != nil {
		return nil, ErrClosed
	}
	sess := &Session{svc: s, id: vault.NewID(), start: st, done: done, began: s.cfg.Now(),
		q: bridge.NewQueue(captureSlots), stop: make(chan struct{}), stopped: make(chan struct{}),
		tracks: map[uint32]*track{}, names: map[string]string{}, allowed: map[string]bool{}}
	att, err := s.bridge.Attach(st.MeetingID, "recorder-"+sess.id[:8], sess, bridge.Constraints{MaxHeight: -1})
	if err != nil {
		return nil, fmt.Errorf("recording: attach to the bridge: %w", err)
	}
	sess.att = att
	s.mu.Lock()
	s.sessions[sess] = true
	s.mu.Unlock()
	s.wg.Add(1)
	go func() {
		defer s.wg.Done()
		sess.run(s.ctx, s.cfg.MaxLength)
		s.mu.Lock()
		delete(s.sessions, sess)
		s.mu.Unlock()
	}()
	s.log.Info("recording started", "recording", sess.id, "room", st.Room)
	return sess, nil
}

// finish composes a session's spool into a sealed file and reports the
// link. It runs on the session's goroutine.
func (s *Service) finish(sess *Session) {
	w, ferr := sess.closeSpool()
	res := focus.RecordingResult{ID: sess.id, Stopped: sess.byUser, Err: ferr}
	if ferr == nil && w == nil {
		res.Err = nothingRecorded
	}
	if res.Err == nil {
		res = s.compose(sess, w, res)
	}
	if w != nil { // the spool is useless now: erase its key and remove it
		w.Forget()
		_ = os.Remove(w.Path())
	}
	if res.Err != nil {
		s.log.Warn("recording ended without a file", "recording", sess.id, "err", res.Err)
	} else {
		s.log.Info("recording ready", "recording", sess.id, "participants", res.People, "duration", res.Duration)
	}
	sess.done(res)
	if res.Err == nil && s.cfg.Delivery != nil {
		s.deliver(sess, res)
	}
}

func (s *Service) deliver(sess *Session, res focus.RecordingResult) {
	f := Finished{ID: sess.id, Room: sess.start.Room, Created: sess.began, Duration: res.Duration,
		Participants: res.People, URL: res.URL, Expires: res.Expires}
	if err := s.cfg.Delivery.Deliver(s.ctx, f); err != nil {
		s.log.Warn("recording delivery failed", "recording", sess.id, "err", err)
	}
}

// compose turns the spool into the sealed MP4 and signs its link.
func (s *Service) compose(sess *Session, w *spool.Writer, res focus.RecordingResult) focus.RecordingResult {
	select {
	case s.composeSlot <- struct{}{}:
		defer func() { <-s.composeSlot }()
	case <-s.ctx.Done():
		res.Err = ErrClosed
		return res
	}
	open := func() (*spool.Reader, error) { return w.Open() }
	tracks, err := scan(open)
	if err == nil {
		err = measure(open, tracks)
	}
	if err != nil {
		res.Err = fmt.Errorf("recording: read spool: %w", err)
		return res
	}
	ps, dur := plan(open, tracks)
	if len(ps) == 0 {
		res.Err = nothingRecorded
		return res
	}
	key := vault.NewKey()
	defer clear(key)
	size, err := s.seal(sess.id, key, ps, dur)
	if err != nil {
		res.Err = err
		return res
	}
	info := vault.Info{ID: sess.id, Room: sess.start.Room, Created: sess.began, Duration: dur.Seconds(), Size: size, Participants: len(ps)}
	if err := s.store.Commit(info); err != nil {
		s.store.Abort(sess.id)
		res.Err = err
		return res
	}
	res.Expires = s.cfg.Now().Add(s.cfg.LinkTTL)
	tok, err := s.signer.Sign(link.Link{ID: sess.id, Expires: res.Expires, Key: key})
	if err != nil {
		res.Err = err
		return res
	}
	res.URL, res.Duration, res.People = s.cfg.PublicURL+"/recordings/"+tok, dur.Round(time.Second), len(ps)
	return res
}

// seal runs the composition straight into an encrypted partial file.
func (s *Service) seal(id string, key []byte, ps []compose.Participant, dur time.Duration) (int64, error) {
	fd, err := s.store.Create(id)
	if err != nil {
		return 0, err
	}
	sealer, err := vault.NewSealer(fd, key)
	if err == nil {
		opt := s.cfg.Compose
		opt.Duration = dur
		var r compose.Result
		r, err = compose.Compose(s.ctx, ps, sealer, opt)
		if err == nil {
			err = sealer.Close()
		}
		s.log.Info("recording composed", "recording", id, "cpu", r.CPU.Round(time.Millisecond), "bytes", r.Size)
	}
	if err == nil {
		err = fd.Sync()
	}
	if cerr := fd.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		s.store.Abort(id)
		return 0, err
	}
	return sealer.Size(), nil
}

// Expire deletes recordings older than Keep; run it periodically.
func (s *Service) Expire() {
	gone, err := s.store.Expire(s.cfg.Now().Add(-s.cfg.Keep))
	for _, id := range gone {
		s.log.Info("recording deleted after its retention time", "recording", id)
	}
	if err != nil {
		s.log.Warn("recording retention failed", "err", err)
	}
}

// Run expires old recordings hourly until ctx ends.
func (s *Service) Run(ctx context.Context) {
	s.Expire()
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		select {
		case <-t.C:
			s.Expire()
		case <-ctx.Done():
			return
		}
	}
}

// Close stops the running recordings; they are composed if that finishes
// before ctx ends, else their spools are dropped (and reported at the
// next start).
func (s *Service) Close(ctx context.Context) error {
	s.mu.Lock()
	for sess := range s.sessions {
		sess.end(false)
	}
	s.mu.Unlock()
	finished := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(finished)
	}()
	stop := context.AfterFunc(ctx, s.cancel)
	defer stop()
	select {
	case <-finished:
		s.cancel()
		return nil
	case <-ctx.Done():
		<-finished
		return errors.Join(ErrClosed, ctx.Err())
	}
}
