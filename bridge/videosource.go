package bridge

import (
	"strings"
	"sync/atomic"
	"time"

	"meetd/bridge/codec"
	"meetd/colibri"
)

// maxEncodings bounds the simulcast encodings of one source.
const maxEncodings = 4

// layerIdle is how long an encoding may send nothing before the
// projection stops waiting for it.
const layerIdle = time.Second

// videoSource is one sender's video source as receivers see it: a name
// and the first SSRC of its SIM group, behind which the bridge projects
// whichever encoding it selected. Heights start as a guess (180 doubling
// per encoding) and are corrected from keyframes.
type videoSource struct {
	name    string
	owner   string
	primary uint32
	ssrcs   []uint32 // encodings, lowest first (SIM group order)
	rtx     []uint32 // FID partner of each encoding, 0 if none
	heights [maxEncodings]atomic.Int32
	seen    [maxEncodings]atomic.Int64 // monoNanos of the last packet (clock.go)
	rates   [maxEncodings]atomic.Int64 // measured bps
	cache   sourceCache                // recent packets, for retransmissions
	kind    atomic.Int32               // videoCamera, videoDesktop or videoDisabled
	// svc is the number of VP9 spatial layers of the source, learned from
	// the scalability structure its encoding svcEnc sends (svc.go); 0 or 1:
	// none. Its layers then take the encodings' place in heights, seen and
	// rates.
	svc    atomic.Int32
	svcEnc atomic.Int32
	// dd holds each encoding's AV1 dependency descriptor state (av1.go),
	// made at its first descriptor and parsed by the owner's reader
	// goroutine only (atomic so that a source update can take it over).
	dd [maxEncodings]atomic.Pointer[codec.DDParser]
	// Rate measurement, owner's reader goroutine only.
	acc      [maxEncodings]int
	accStart [maxEncodings]time.Time
}

func newVideoSource(owner string, ms colibri.MediaSource) *videoSource {
	s := &videoSource{name: ms.ID, owner: owner}
	for _, g := range ms.Groups {
		if g.Semantics == "SIM" && len(g.Sources) > 0 {
			for _, e := range g.Sources[:min(len(g.Sources), maxEncodings)] {
				s.ssrcs = append(s.ssrcs, e.SSRC)
			}
			break
		}
	}
	if len(s.ssrcs) == 0 && len(ms.Sources) > 0 {
		s.ssrcs = []uint32{ms.Sources[0].SSRC}
	}
	if len(s.ssrcs) == 0 {
		return nil
	}
	s.primary = s.ssrcs[0]
	s.rtx = make([]uint32, len(s.ssrcs))
	for i, ssrc := range s.ssrcs {
		s.rtx[i] = fidPartner(ms, ssrc)
		s.heights[i].Store(int32(180 << i))
	}
	if s.name == "" {
		s.name = owner + "-v0"
	}
	if len(ms.Sources) > 0 {
		s.kind.Store(int32(videoKindOf(ms.Sources[0].VideoType)))
	}
	return s
}

// Video types of a source (docs/media.md#bridge-channel, SourceVideoTypeMessage).
const (
	videoCamera = iota
	videoDesktop
	videoDisabled
)

// videoKindOf maps a signalled or announced video type; unknown is camera.
func videoKindOf(t string) int {
	switch strings.ToLower(t) {
	case "desktop", "desktop_high_fps":
		return videoDesktop
	case "none", "disabled":
		return videoDisabled
	}
	return videoCamera
}

func fidPartner(ms colibri.MediaSource, ssrc uint32) uint32 {
	for _, g := range ms.Groups {
		if g.Semantics == "FID" && len(g.Sources) == 2 && g.Sources[0].SSRC == ssrc {
			return g.Sources[1].SSRC
		}
	}
	return 0
}

// simulcast reports whether the source has more than one encoding.
func (s *videoSource) simulcast() bool { return s.layers() > 1 }

// sameAs reports whether o describes the same encodings (so learned
// heights can be kept across a source update).
func (s *videoSource) sameAs(o *videoSource) bool {
	if o == nil || s.name != o.name || len(s.ssrcs) != len(o.ssrcs) {
		return false
	}
	for i := range s.ssrcs {
		if s.ssrcs[i] != o.ssrcs[i] {
			return false
		}
	}
	return true
}

// inherit copies the learned state of an earlier version of the source.
func (s *videoSource) inherit(o *videoSource) {
	for i := range maxEncodings {
		s.heights[i].Store(o.heights[i].Load())
		s.seen[i].Store(o.seen[i].Load())
	}
	s.kind.Store(o.kind.Load())
	s.svc.Store(o.svc.Load())
	s.svcEnc.Store(o.svcEnc.Load())
	for i := range s.dd {
		s.dd[i].Store(o.dd[i].Load())
	}
}

// height is the frame height of encoding i.
func (s *videoSource) height(i int) int { return int(s.heights[i].Load()) }

// learnHeight records a keyframe's height; it reports a change.
func (s *videoSource) learnHeight(enc int8, h uint16) bool {
	if h == 0 || int(enc) >= s.layers() {
		return false
	}
	return s.heights[enc].Swap(int32(h)) != int32(h)
}

// saw records that encoding enc sent a packet.
func (s *videoSource) saw(enc int8, now time.Time) {
	s.seen[enc].Store(monoNanos(now))
}

// sentSince reports whether encoding i sent a packet at or after limit
// (monoNanos). 0 is "never": within the bridge's first second limit is
// negative, and an encoding that never sent counted as active then.
func (s *videoSource) sentSince(i int8, limit int64) bool {
	v := s.seen[i].Load()
	return v != 0 && v >= limit
}

// activeAtOrBelow returns the highest encoding not above enc that sent
// something within layerIdle; when none did, the lowest active one above
// it (current clients send SVC on one encoding of their SIM group and
// leave the others off), else the lowest.
func (s *videoSource) activeAtOrBelow(enc int8, now time.Time) int8 {
	if enc < 0 {
		return enc // nothing wanted
	}
	limit := monoNanos(now.Add(-layerIdle))
	n := int8(s.layers())
	for i := min(enc, n-1); i >= 0; i-- {
		if s.sentSince(i, limit) {
			return i
		}
	}
	for i := enc + 1; i < n; i++ {
		if s.sentSince(i, limit) {
			return i
		}
	}
	return 0
}

// rateWindow is how long encoding bitrates are measured over.
const rateWindow = 500 * time.Millisecond

// count adds a packet to encoding enc's bitrate measurement.
func (s *videoSource) count(enc int8, n int, now time.Time) {
	s.acc[enc] += n
	if d := now.Sub(s.accStart[enc]); d >= rateWindow {
		if d < 2*rateWindow {
			s.rates[enc].Store(int64(float64(s.acc[enc]*8) / d.Seconds()))
		}
		s.acc[enc], s.accStart[enc] = 0, now
	}
}

// rate is encoding enc's bitrate: measured while it sends, else a guess
// from its height.
func (s *videoSource) rate(enc int8, now time.Time) float64 {
	if s.isSVC() {
		return s.svcRate(enc, now)
	}
	if r := s.rates[enc].Load(); r > 0 && monoNanos(now)-s.seen[enc].Load() < int64(layerIdle) {
		return float64(r)
	}
	return nominalRate(s.height(int(enc)))
}

// nominalRate is a typical VP8 bitrate for a frame height (LJM's
// simulcast defaults).
func nominalRate(h int) float64 {
	switch {
	case h <= 0:
		return 0
	case h <= 180:
		return 200_000
	case h <= 360:
		return 500_000
	}
	return 1_500_000
}

// heightFor is the largest height whose nominal rate fits bps (-1: any).
func heightFor(bps float64) int {
	switch {
	case bps >= nominalRate(720):
		return -1
	case bps >= nominalRate(360):
		return 360
	}
	return 180
}
