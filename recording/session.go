package recording

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"time"

	"github.com/pion/rtcp"

	"meetd/bridge"
	"meetd/focus"
	"meetd/recording/spool"
)

// track is one captured stream in the spool.
type track struct {
	id       uint16
	endpoint string
	video    bool
	written  bool // its KindTrack record is in the spool
}

// Session is one running recording: a receiver of the bridge that writes
// consented participants' packets into an encrypted spool. It implements
// focus.RecordingSession and bridge.Receiver.
type Session struct {
	svc     *Service
	id      string
	start   focus.RecordingStart
	done    func(focus.RecordingResult)
	began   time.Time
	cap     *capture
	att     Attachment
	stop    chan struct{}
	stopped chan struct{} // closed when the writer goroutine returned
	once    sync.Once
	byUser  bool

	// meta guards who is who; it is never held during disk I/O, so the
	// bridge's control goroutine (Allocated) and the focus (Update) never
	// wait for the disk.
	meta    sync.Mutex
	tracks  map[uint32]*track // by SSRC, from the latest allocation
	nextID  uint16
	names   map[string]string // endpoint → display name
	allowed map[string]bool   // endpoints whose media may be written

	mu      sync.Mutex    // guards the spool, failure and track.written
	spool   *spool.Writer // nil until the first consented packet
	failure error
}

// ID is the recording's ID, also the Jibri session ID clients see.
func (s *Session) ID() string { return s.id }

// Ready implements bridge.Receiver.
func (s *Session) Ready() bool { return true }

// SendRTP implements bridge.Receiver: never blocks, never allocates.
func (s *Session) SendRTP(pkt []byte) bool { return s.cap.put(pkt, false) }

// SendRTCP implements bridge.Receiver.
func (s *Session) SendRTCP(pkt []byte) bool { return s.cap.put(pkt, true) }

// Allocated implements bridge.Receiver: it learns which SSRC is whose.
func (s *Session) Allocated(a bridge.Allocation) {
	s.meta.Lock()
	defer s.meta.Unlock()
	next := make(map[uint32]*track, len(a.Sources))
	for _, src := range a.Sources {
		t := s.tracks[src.SSRC]
		if t == nil || t.endpoint != src.Endpoint {
			s.nextID++
			t = &track{id: s.nextID, endpoint: src.Endpoint, video: src.Video}
		}
		next[src.SSRC] = t
	}
	s.tracks = next
}

// Update implements focus.RecordingSession: consent decides whose media
// the bridge sends the recorder. With require_all, nobody's until all
// present have consented.
func (s *Session) Update(ps []focus.RecordingParticipant) {
	allowed := map[string]bool{}
	all := true
	s.meta.Lock()
	for _, p := range ps {
		s.names[p.Endpoint] = p.Name
		if p.Consented {
			allowed[p.Endpoint] = true
		} else {
			all = false
		}
	}
	if s.svc.cfg.RequireAll && !all {
		allowed = map[string]bool{}
	}
	s.allowed = allowed
	s.meta.Unlock()
	eps := make([]string, 0, len(allowed))
	for ep := range allowed {
		eps = append(eps, ep)
	}
	s.att.SetConstraints(bridge.Constraints{Endpoints: eps, MaxHeight: -1})
}

// Stop implements focus.RecordingSession.
func (s *Session) Stop() { s.end(true) }

func (s *Session) end(byUser bool) {
	s.once.Do(func() {
		s.byUser = byUser
		s.cap.closed.Store(true)
		close(s.stop)
	})
}

// run writes captured packets to the spool until the session ends, then
// hands the spool to the service for composition.
func (s *Session) run(ctx context.Context, maxDur time.Duration) {
	defer close(s.stopped)
	limit := time.NewTimer(maxDur)
	defer limit.Stop()
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	for {
		select {
		case sl := <-s.cap.full:
			s.write(sl)
			s.cap.release(sl)
		case <-flush.C:
			s.flush()
			if n := s.cap.dropped.Swap(0); n > 0 {
				s.svc.log.Warn("recorder queue full, packets dropped", "recording", s.id, "dropped", n)
				s.requestKeyframes()
			}
		case <-limit.C:
			s.svc.log.Info("recording reached max_minutes", "recording", s.id)
			s.end(false)
		case <-s.att.Done():
			s.end(false)
		case <-ctx.Done():
			s.end(false)
		case <-s.stop:
			s.att.Close()
			s.drain()
			s.svc.finish(s)
			return
		}
		if s.failed() {
			s.end(false)
		}
	}
}

// drain writes what is still queued.
func (s *Session) drain() {
	for {
		select {
		case sl := <-s.cap.full:
			s.write(sl)
			s.cap.release(sl)
		default:
			return
		}
	}
}

func (s *Session) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure != nil
}

// write appends one packet to the spool if it belongs to a consented
// participant's track.
func (s *Session) write(sl *slot) {
	pkt := sl.buf[:sl.n]
	if sl.rtcp {
		s.writeRTCP(pkt, sl.at)
		return
	}
	t, name := s.consented(rtpSSRC(pkt))
	if t == nil {
		return // not (yet) consented, or not known: never written
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.append(t, name, spool.Record{Kind: spool.KindRTP, Track: t.id, At: sl.at, Data: pkt})
}

// consented returns the track of ssrc and its owner's name if the owner
// has consented.
func (s *Session) consented(ssrc uint32) (*track, string) {
	s.meta.Lock()
	defer s.meta.Unlock()
	t := s.tracks[ssrc]
	if t == nil || !s.allowed[t.endpoint] {
		return nil, ""
	}
	return t, s.names[t.endpoint]
}

// writeRTCP keeps the senders' sender reports of consented tracks.
func (s *Session) writeRTCP(pkt []byte, at time.Time) {
	pkts, err := rtcp.Unmarshal(pkt)
	if err != nil {
		return
	}
	for _, p := range pkts {
		sr, ok := p.(*rtcp.SenderReport)
		if !ok {
			continue
		}
		t, name := s.consented(sr.SSRC)
		if t == nil {
			continue
		}
		m := spool.ClockMapping{NTP: sr.NTPTime, RTP: sr.RTPTime}
		s.mu.Lock()
		if t.written {
			s.append(t, name, spool.Record{Kind: spool.KindSenderReport, Track: t.id, At: at, Data: m.Encode()})
		}
		s.mu.Unlock()
	}
}

// append writes r, creating the spool and the track's header first.
// Called with s.mu held.
func (s *Session) append(t *track, name string, r spool.Record) {
	if s.failure != nil {
		return
	}
	if s.spool == nil {
		w, err := spool.Create(filepath.Join(s.svc.store.SpoolDir(), s.id+".spool"))
		if err != nil {
			s.failure = fmt.Errorf("%w: %w", ErrDiskFull, err)
			return
		}
		s.spool = w
	}
	if !t.written {
		media := spool.Audio
		if t.video {
			media = spool.Video
		}
		info := spool.TrackInfo{Media: media, Participant: t.endpoint, Name: name}
		if err := s.spool.Append(spool.Record{Kind: spool.KindTrack, Track: t.id, At: r.At, Data: info.Encode()}); err != nil {
			s.failure = fmt.Errorf("%w: %w", ErrDiskFull, err)
			return
		}
		t.written = true
	}
	if err := s.spool.Append(r); err != nil {
		s.failure = fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
}

func (s *Session) flush() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spool == nil || s.failure != nil {
		return
	}
	if err := s.spool.Flush(); err != nil {
		s.failure = fmt.Errorf("%w: %w", ErrDiskFull, err)
	}
}

// requestKeyframes asks for a keyframe of every video track after drops.
func (s *Session) requestKeyframes() {
	s.meta.Lock()
	var ssrcs []uint32
	for ssrc, t := range s.tracks {
		if t.video {
			ssrcs = append(ssrcs, ssrc)
		}
	}
	s.meta.Unlock()
	for _, ssrc := range ssrcs {
		s.att.RequestKeyframe(ssrc)
	}
}

// closeSpool ends writing and returns the spool (nil if nothing was
// written) and the failure that ended the session, if any.
func (s *Session) closeSpool() (*spool.Writer, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.spool != nil {
		if err := s.spool.Close(); err != nil && s.failure == nil {
			s.failure = fmt.Errorf("%w: %w", ErrDiskFull, err)
		}
	}
	if s.failure != nil && errors.Is(s.failure, ErrDiskFull) {
		return s.spool, reasoned{err: s.failure, reason: "the server's disk is full"}
	}
	return s.spool, s.failure
}
