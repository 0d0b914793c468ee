package recording

import (
	"bytes"
	"errors"
	"io"
	"sort"
	"time"

	"github.com/pion/rtp"

	"meetd/recording/compose"
	"meetd/recording/media"
	"meetd/recording/spool"
)

// spooledTrack is what the first pass over a spool learns about a track.
type spooledTrack struct {
	id       uint16
	info     spool.TrackInfo
	arrived  time.Time // arrival of its first packet
	firstRTP uint32    // RTP timestamp of its first packet
	sr       *spool.ClockMapping
	srAt     time.Time
	span     int32  // largest RTP timestamp distance from firstRTP
	first    uint32 // RTP timestamp of the first sample the converter writes
	usable   bool   // the converter writes at least one sample
}

func (t *spooledTrack) clock() float64 {
	if t.info.Media == spool.Video {
		return 90000
	}
	return 48000
}

// opener opens a fresh reader of the spool.
type opener func() (*spool.Reader, error)

// scan reads the spool once and returns its tracks.
func scan(open opener) (map[uint16]*spooledTrack, error) {
	r, err := open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	tracks := map[uint16]*spooledTrack{}
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			return tracks, nil
		}
		if err != nil {
			return nil, err
		}
		scanRecord(tracks, rec)
	}
}

func scanRecord(tracks map[uint16]*spooledTrack, rec spool.Record) {
	t := tracks[rec.Track]
	switch rec.Kind {
	case spool.KindTrack:
		if info, err := spool.DecodeTrackInfo(rec.Data); err == nil && t == nil {
			tracks[rec.Track] = &spooledTrack{id: rec.Track, info: info}
		}
	case spool.KindRTP:
		var h rtp.Header
		if t == nil || len(rec.Data) < 12 {
			return
		}
		if _, err := h.Unmarshal(rec.Data); err != nil {
			return
		}
		if t.arrived.IsZero() {
			t.arrived, t.firstRTP = rec.At, h.Timestamp
		}
		t.span = max(t.span, int32(h.Timestamp-t.firstRTP))
	case spool.KindSenderReport:
		if m, err := spool.DecodeClockMapping(rec.Data); err == nil && t != nil && t.sr == nil {
			t.sr, t.srAt = &m, rec.At
		}
	}
}

// converter is media.Opus or media.VP8.
type converter interface {
	Push(p *rtp.Packet) error
	Close() error
	First() (uint32, bool)
}

func newConverter(t *spooledTrack, w io.Writer) (converter, error) {
	if t.info.Media == spool.Video {
		return media.NewVP8(w)
	}
	return media.NewOpus(w)
}

// convert feeds track t's packets from the spool through its converter
// into w and returns the converter (closed).
func convert(open opener, t *spooledTrack, w io.Writer) (converter, error) {
	c, err := newConverter(t, w)
	if err != nil {
		return nil, err
	}
	r, err := open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			break
		}
		if err != nil {
			return nil, err
		}
		if rec.Kind != spool.KindRTP || rec.Track != t.id {
			continue
		}
		p := &rtp.Packet{}
		if p.Unmarshal(bytes.Clone(rec.Data)) != nil {
			continue
		}
		if err := c.Push(p); err != nil {
			return nil, err
		}
	}
	return c, c.Close()
}

// measure runs every track through its converter once, writing nothing,
// to learn the RTP timestamp of the first sample it will write.
func measure(open opener, tracks map[uint16]*spooledTrack) error {
	for _, t := range tracks {
		c, err := convert(open, t, io.Discard)
		if errors.Is(err, media.ErrNoMedia) {
			continue
		}
		if err != nil {
			return err
		}
		t.first, t.usable = c.First()
	}
	return nil
}

// sampleTime places RTP timestamp ts of track t on the local clock. The
// sender report maps a sender's RTP clocks onto one NTP clock, so a
// participant's audio and video line up (lip sync); anchor translates
// that participant's NTP clock to local arrival time.
func (t *spooledTrack) sampleTime(ts uint32, anchor time.Duration) time.Time {
	if t.sr == nil {
		dt := float64(int32(ts-t.firstRTP)) / t.clock()
		return t.arrived.Add(time.Duration(dt * float64(time.Second)))
	}
	dt := float64(int32(ts-t.sr.RTP)) / t.clock()
	return t.sr.Time().Add(time.Duration(dt * float64(time.Second))).Add(anchor)
}

// anchorOf returns, for one participant's tracks, the offset from the
// sender's NTP clock to local time: taken from the track whose first
// packet arrived first (its network delay is what the others share).
func anchorOf(ts []*spooledTrack) time.Duration {
	var best *spooledTrack
	for _, t := range ts {
		if t.sr != nil && (best == nil || t.arrived.Before(best.arrived)) {
			best = t
		}
	}
	if best == nil {
		return 0
	}
	dt := float64(int32(best.firstRTP-best.sr.RTP)) / best.clock()
	ntpFirst := best.sr.Time().Add(time.Duration(dt * float64(time.Second)))
	return best.arrived.Sub(ntpFirst)
}

// plan turns the spool's tracks into the composer's participants, in order
// of first appearance, and returns the recording's duration (to the end of
// the last media on the time line).
func plan(open opener, tracks map[uint16]*spooledTrack) ([]compose.Participant, time.Duration) {
	byEP := map[string][]*spooledTrack{}
	var order []string
	for _, t := range sortedTracks(tracks) {
		if !t.usable {
			continue
		}
		if _, ok := byEP[t.info.Participant]; !ok {
			order = append(order, t.info.Participant)
		}
		byEP[t.info.Participant] = append(byEP[t.info.Participant], t)
	}
	var t0, end time.Time
	anchors := map[string]time.Duration{}
	for _, ep := range order {
		anchors[ep] = anchorOf(byEP[ep])
		for _, t := range byEP[ep] {
			if s := t.sampleTime(t.first, anchors[ep]); t0.IsZero() || s.Before(t0) {
				t0 = s
			}
			if e := t.sampleTime(t.firstRTP+uint32(t.span), anchors[ep]); e.After(end) {
				end = e
			}
		}
	}
	var ps []compose.Participant
	for _, ep := range order {
		ts := byEP[ep]
		anchor := anchors[ep]
		p := compose.Participant{Name: ts[0].info.Name}
		for _, t := range ts {
			start := max(0, t.sampleTime(t.first, anchor).Sub(t0))
			s := &compose.Stream{Start: start, Write: func(w io.Writer) error {
				_, err := convert(open, t, w)
				return err
			}}
			if t.info.Media == spool.Video && p.Video == nil {
				p.Video = s
			} else if t.info.Media == spool.Audio && p.Audio == nil {
				p.Audio = s
			}
		}
		ps = append(ps, p)
	}
	return ps, end.Sub(t0) + 40*time.Millisecond
}

func sortedTracks(tracks map[uint16]*spooledTrack) []*spooledTrack {
	out := make([]*spooledTrack, 0, len(tracks))
	for _, t := range tracks {
		out = append(out, t)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].id < out[j].id })
	return out
}
