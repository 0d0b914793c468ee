package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// codecStatsJS lists, per inbound and outbound video stream of the bridge connection, its codec
// (mimeType) and decoded/encoded frames.
const codecStatsJS = `(async () => {
	const room = meetdTest.conference();
	const s = room && room.jvbJingleSession;
	const pc = s && s.peerconnection && s.peerconnection.peerconnection;
	if (!pc) { return null; }
	const rep = await pc.getStats(), codecs = {}, out = { in: [], out: [] };
	rep.forEach(r => { if (r.type === 'codec') { codecs[r.id] = r.mimeType; } });
	rep.forEach(r => {
		if (r.kind !== 'video') { return; }
		const c = codecs[r.codecId] || '';
		if (r.type === 'inbound-rtp') {
			out.in.push({ ssrc: r.ssrc, codec: c, frames: r.framesDecoded || 0, height: r.frameHeight || 0 });
		} else if (r.type === 'outbound-rtp') {
			out.out.push({ ssrc: r.ssrc, codec: c, frames: r.framesEncoded || 0, height: r.frameHeight || 0 });
		}
	});
	return out;
})()`

type codecStream struct {
	SSRC   uint32 `json:"ssrc"`
	Codec  string `json:"codec"`
	Frames int64  `json:"frames"`
	Height int    `json:"height"`
}

type codecStats struct {
	In  []codecStream `json:"in"`
	Out []codecStream `json:"out"`
}

func (s *session) codecStats(page int) codecStats {
	s.t.Helper()
	var c *codecStats
	if err := s.eval(page, codecStatsJS, &c); err != nil || c == nil {
		s.t.Fatalf("codec stats of page %d: %v", page, err)
	}
	return *c
}

// decodes reports whether the page decodes some inbound video of the codec (e.g. "video/VP9") with
// frames still arriving above min.
func (c codecStats) decodes(codec string, min int64) (int64, bool) {
	for _, in := range c.In {
		if strings.EqualFold(in.Codec, codec) && in.Frames > min {
			return in.Frames, true
		}
	}
	return 0, false
}

func (c codecStats) String() string {
	var parts []string
	for _, in := range c.In {
		parts = append(parts, fmt.Sprintf("in %d %s %d frames %d lines", in.SSRC, in.Codec, in.Frames, in.Height))
	}
	for _, o := range c.Out {
		parts = append(parts, fmt.Sprintf("out %d %s %d frames %d lines", o.SSRC, o.Codec, o.Frames, o.Height))
	}
	return "[" + strings.Join(parts, "; ") + "]"
}

// codecLimit is how long a codec change (renegotiation, keyframe) may take to show in decoded frames.
const codecLimit = 45 * time.Second

// waitDecoding waits until each page decodes its peers' video in the given codec, and keeps doing so.
func (s *session) waitDecoding(pages []int, codec string) {
	s.t.Helper()
	var last string
	first := map[int]int64{}
	err := poll(codecLimit, func() (bool, error) {
		var parts []string
		ok := true
		for _, p := range pages {
			c := s.codecStats(p)
			parts = append(parts, fmt.Sprintf("page %d %s", p, c))
			n, dec := c.decodes(codec, 0)
			if !dec {
				ok = false
				continue
			}
			if _, seen := first[p]; !seen {
				first[p] = n
			}
			ok = ok && n > first[p]+10 // still decoding, not a single keyframe
		}
		last = strings.Join(parts, "\n")
		return ok, nil
	})
	if err != nil {
		s.t.Fatalf("not every page decodes %s within %v:\n%s", codec, codecLimit, last)
	}
	s.t.Logf("decoding %s:\n%s", codec, last)
}

// TestCodecs (issue 15): calls through the bridge in each codec the 2021 client can be told to prefer
// (videoQuality.preferredCodec; it announces that codec in presence, the focus offers it first with
// VP8), and a mixed call where one client prefers VP8 and the other VP9: both end up in VP8.
func TestCodecs(t *testing.T) {
	for _, tc := range []struct {
		name   string
		prefer []string // per page
		want   string
	}{
		{"vp9", []string{"VP9", "VP9"}, "video/VP9"},
		{"h264", []string{"H264", "H264"}, "video/H264"},
		{"mixed", []string{"VP9", "VP8"}, "video/VP8"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newSession(t)
			s.videoQuality = map[int]map[string]any{}
			pages := []int{}
			for p, c := range tc.prefer {
				s.videoQuality[p] = map[string]any{"preferredCodec": c}
				pages = append(pages, p)
			}
			for _, p := range pages {
				s.join(p, "codecs"+tc.name)
			}
			ids := s.waitJoined(pages)
			s.waitPeers(pages, ids)
			s.waitDecoding(pages, tc.want)
		})
	}
}
