package bridge

import (
	"math"
	"slices"
	"sync/atomic"
	"time"

	"meetd/colibri"
)

// Dominant-speaker detection from the ssrc-audio-level extension (RFC
// 6464): each endpoint's loudness (127 - level) is smoothed per packet;
// every speakerInterval the loudest endpoint above speakerFloor becomes
// dominant when it beats the current one by speakerMargin. An endpoint
// whose audio stopped is silent.
const (
	speakerInterval = 300 * time.Millisecond
	speakerFloor    = 0.5
	speakerMargin   = 1.5
	speakerAlpha    = 1.0 / 32
	speakerStale    = time.Second
	recentSpeakers  = 10
)

// speech is one endpoint's smoothed audio activity. Written only by the
// endpoint's reader goroutine, read by the detector.
type speech struct {
	level atomic.Uint64 // float64 bits
	at    atomic.Int64  // monoNanos of the last audio packet (clock.go)
}

// observe adds one packet's audio level (0 loudest .. 127 silent).
func (s *speech) observe(level uint8, now time.Time) {
	loud := float64(127 - min(level&0x7F, 127))
	old := math.Float64frombits(s.level.Load())
	s.level.Store(math.Float64bits(old + speakerAlpha*(loud-old)))
	s.at.Store(monoNanos(now))
}

// activity is the smoothed loudness, 0 when the endpoint went quiet.
func (s *speech) activity(now time.Time) float64 {
	if monoNanos(now)-s.at.Load() > int64(speakerStale) {
		return 0
	}
	return math.Float64frombits(s.level.Load())
}

// audioLevel reads the ssrc-audio-level extension of a parsed packet.
func audioLevel(pkt []byte, id uint8) (uint8, bool) {
	if id == 0 {
		return 0, false
	}
	start, end, profile, ok := extensionBlock(pkt)
	if !ok || profile != 0xBEDE {
		return 0, false
	}
	b := pkt[start:end]
	for i := 0; i < len(b); {
		if b[i] == 0 {
			i++
			continue
		}
		eid, n := b[i]>>4, int(b[i]&0x0F)+1
		if eid == 15 || i+1+n > len(b) {
			return 0, false
		}
		if eid == id {
			return b[i+1] & 0x7F, true
		}
		i += 1 + n
	}
	return 0, false
}

// decideSpeakerLocked runs the detector at most every speakerInterval
// and reports whether the dominant speaker changed (everyone was told).
// Control goroutine, allocMu held.
func (c *conference) decideSpeakerLocked(now time.Time) bool {
	if now.Sub(c.speakerAt) < speakerInterval {
		return false
	}
	c.speakerAt = now
	id := c.loudest(now)
	if id == "" || (len(c.speakers) > 0 && c.speakers[0] == id) {
		return false
	}
	c.speakers = slices.Insert(slices.DeleteFunc(c.speakers, func(s string) bool { return s == id }), 0, id)
	c.speakers = c.speakers[:min(len(c.speakers), recentSpeakers)]
	c.log.Debug("dominant speaker", "endpoint", id)
	ev := colibri.NewDominantSpeakerEvent(id, c.speakers[1:], false)
	for _, e := range c.list() {
		if e.relay == nil { // the other bridge decides from the same levels
			e.sendJSON(ev)
		}
	}
	return true
}

// loudest returns the endpoint that should be dominant now, or "".
func (c *conference) loudest(now time.Time) string {
	best, bestLevel, cur := "", 0.0, 0.0
	for _, e := range c.list() {
		e.speakers(func(id string, s *speech) { // a relay: each endpoint behind it
			l := s.activity(now)
			if len(c.speakers) > 0 && id == c.speakers[0] {
				cur = l
			}
			if l > bestLevel {
				best, bestLevel = id, l
			}
		})
	}
	if bestLevel < speakerFloor || bestLevel < cur*speakerMargin {
		return ""
	}
	return best
}

// forgetSpeakerLocked removes a departed endpoint from the speaker list.
func (c *conference) forgetSpeakerLocked(id string) {
	c.speakers = slices.DeleteFunc(c.speakers, func(s string) bool { return s == id })
}
