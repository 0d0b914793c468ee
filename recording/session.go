package recording

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pion/rtcp"

	"meetd/bridge"
	"meetd/focus"
	"meetd/recording/spool"
)

// vp8PayloadType is VP8's RTP payload type in the focus's offers (Jicofo's
// numbers, focus/codecs.go). The recorder composes VP8 only: the recorder
// occupant announces that it decodes only VP8, so clients switch to it
// while a recording runs; other video packets are not written.
const vp8PayloadType = 100

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
	q       *bridge.Queue // the hand-off from the media path to the writer
	written atomic.Int64  // packets taken from q (tests wait on it)
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

// captureSlots bounds the packets waiting for the spool writer (about 3 s
// of a two-person call); when full, packets are dropped and counted.
const captureSlots = 2048

// Ready implements bridge.Receiver.
func (s *Session) Ready() bool { return s.q.Ready() }

// SendRTP implements bridge.Receiver: bridge.Queue copies the packet into
// a preallocated buffer; it never blocks and never allocates.
func (s *Session) SendRTP(pkt []byte) bool { return s.q.SendRTP(pkt) }

// SendRTCP implements bridge.Receiver.
func (s *Session) SendRTCP(pkt []byte) bool { return s.q.SendRTCP(pkt) }

// Allocated implements bridge.Receiver: it learns which SSRC is whose, at
// once (before the packets of a new source reach the writer).
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
		s.q.SetReady(false)
		close(s.stop)
	})
}

// run writes captured packets to the spool until the session ends, then
// hands the spool to the service for composition.
func (s *Session) run(ctx context.Context, maxDur time.Duration) {
	defer close(s.stopped)
	pumpCtx, stopPump := context.WithCancel(ctx)
	pumped := make(chan struct{})
	go func() {
		defer close(pumped)
		s.pump(pumpCtx)
	}()
	s.watch(ctx, maxDur)
	stopPump()
	<-pumped
	s.att.Close()
	s.drain()
	s.svc.finish(s)
}

// watch flushes the spool every second and ends the session on a
// failure, the time limit, the conference's end or Stop.
func (s *Session) watch(ctx context.Context, maxDur time.Duration) {
	limit := time.NewTimer(maxDur)
	defer limit.Stop()
	flush := time.NewTicker(time.Second)
	defer flush.Stop()
	var drops uint64
	for {
		select {
		case <-flush.C:
			s.flush()
			if n := s.q.Drops(); n > drops {
				s.svc.log.Warn("recorder queue full, packets dropped", "recording", s.id, "dropped", n-drops)
				drops = n
				s.requestKeyframes()
			}
			if s.failed() {
				s.svc.log.Info("recording ends: writing failed", "recording", s.id)
				s.end(false)
			}
		case <-limit.C:
			s.svc.log.Info("recording reached max_minutes", "recording", s.id)
			s.end(false)
		case <-s.att.Done():
			s.svc.log.Info("recording ends: the bridge conference ended", "recording", s.id)
			s.end(false)
		case <-ctx.Done():
			s.end(false)
		case <-s.stop:
			return
		}
	}
}

// pump writes what the queue delivers until ctx ends.
func (s *Session) pump(ctx context.Context) {
	for {
		p, err := s.q.Next(ctx)
		if err != nil {
			return
		}
		s.write(p.Data, p.RTCP, time.Now())
		s.q.Release(p)
		s.written.Add(1)
	}
}

// drain writes what is still queued after the session stopped.
func (s *Session) drain() {
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
		p, err := s.q.Next(ctx)
		cancel()
		if err != nil {
			return
		}
		s.write(p.Data, p.RTCP, time.Now())
		s.q.Release(p)
		s.written.Add(1)
	}
}

func (s *Session) failed() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.failure != nil
}

// write appends one packet to the spool if it belongs to a consented
// participant's track.
func (s *Session) write(pkt []byte, rtcp bool, at time.Time) {
	if rtcp {
		s.writeRTCP(pkt, at)
		return
	}
	if len(pkt) < 12 {
		return
	}
	t, name := s.consented(binary.BigEndian.Uint32(pkt[8:12])) // the SSRC (RFC 3550 §5.1)
	if t == nil {
		return // not (yet) consented, or not known: never written
	}
	if t.video && pkt[1]&0x7F != vp8PayloadType {
		return // AV1, VP9 or H.264 until the sender switches to VP8 for the recorder (docs/recording.md)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.append(t, name, spool.Record{Kind: spool.KindRTP, Track: t.id, At: at, Data: pkt})
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
