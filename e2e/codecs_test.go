package e2e

import (
	"context"
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

// decodes reports whether the page decodes inbound video of the codec (e.g. "video/VP9") above min
// frames, and the frames of all such streams together: a stream left over from before a codec change
// (one frame, then nothing) must not hide the one that carries the video now.
func (c codecStats) decodes(codec string, min int64) (int64, bool) {
	var n int64
	for _, in := range c.In {
		if strings.EqualFold(in.Codec, codec) {
			n += in.Frames
		}
	}
	return n, n > min
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

// webAppCodecsJS lists the codecs (mimeType) of the video the web app's page decodes.
const webAppCodecsJS = `(async () => {
	const room = window.APP && APP.conference && APP.conference._room;
	const pc = room && room.getActivePeerConnection();
	const out = [];
	if (!pc || !pc.peerconnection) { return out; }
	const rep = await pc.peerconnection.getStats(), codecs = {};
	rep.forEach(r => { if (r.type === 'codec') { codecs[r.id] = r.mimeType; } });
	rep.forEach(r => {
		if (r.type === 'inbound-rtp' && r.kind === 'video' && (r.framesDecoded || 0) > 0) { out.push(codecs[r.codecId] || '?'); }
	});
	return out;
})()`

// TestWebAppCodecs (issue 15): the current Jitsi Meet web app with config.js's codec order (AV1 first)
// holds a call in AV1 SVC through the bridge (the bridge reads three spatial layers from the
// dependency descriptor); in a second room a participant whose codecPreferenceOrder
// lacks AV1 (set in the URL, as a user's client without AV1) makes the conference use VP9, the next
// codec both announce. Runs only with MEETD_E2E_WEBAPP_DIR, as TestRealWebApp.
func TestWebAppCodecs(t *testing.T) {
	dir := webAppDir(t)
	tl := requireBrowser(t)
	logs := newLogBook()
	m := startMeetd(t, logs, "[web]", fmt.Sprintf("app_dir = %q", dir))
	d := startDriver(t, tl, logs)
	defer func() {
		if t.Failed() {
			dumpLogs(t, logs)
		}
	}()
	noAV1 := `#config.videoQuality.codecPreferenceOrder=["VP9","VP8","H264"]`
	for _, tc := range []struct {
		name   string
		pages  [2]int
		hashes [2]string
		want   string
	}{
		{"av1", [2]int{0, 1}, [2]string{"", ""}, "video/AV1"},
		{"without av1", [2]int{2, 3}, [2]string{"", noAV1}, "video/VP9"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
			defer cancel()
			for i, p := range tc.pages {
				if err := d.openWatched(ctx, p, m.url+"/Codecs"+strings.ReplaceAll(tc.name, " ", "")+tc.hashes[i]); err != nil {
					t.Fatal(err)
				}
				joinWebApp(ctx, t, d, p)
			}
			for _, p := range tc.pages {
				waitWebAppMedia(t, d, p)
			}
			var last [2][]string
			err := poll(codecLimit, func() (bool, error) {
				ok := true
				for i, p := range tc.pages {
					if err := d.eval(ctx, p, webAppCodecsJS, &last[i]); err != nil {
						return false, err
					}
					ok = ok && len(last[i]) == 1 && strings.EqualFold(last[i][0], tc.want)
				}
				return ok, nil
			})
			if err != nil {
				t.Fatalf("pages decode %v, want %s each: %v", last, tc.want, err)
			}
			t.Logf("pages %v decode %v", tc.pages, last)
			if tc.want == "video/AV1" {
				// The web app sends AV1 as SVC (L3T3_KEY) on one SSRC: the bridge must read
				// its three spatial layers from the dependency descriptor (docs/codecs.md).
				line, err := m.waitLog(ctx, `"SVC spatial layers"`, "layers=3", "keyframe=true")
				if err != nil {
					t.Fatalf("the bridge never read three AV1 spatial layers: %v", err)
				}
				t.Logf("bridge: %s", line)
			}
		})
	}
}

// opusRedOverride is the page's enableOpusRed option: false for pages in noOpusRed, else config.js's.
func (s *session) opusRedOverride(page int) *bool {
	if s.noOpusRed[page] {
		off := false
		return &off
	}
	return nil
}

// audioStatsJS lists the inbound audio streams of the bridge connection: codec, packets, and the
// concealed share of the samples played.
const audioStatsJS = `(async () => {
	const room = meetdTest.conference();
	const s = room && room.jvbJingleSession;
	const pc = s && s.peerconnection && s.peerconnection.peerconnection;
	if (!pc) { return null; }
	const rep = await pc.getStats(), codecs = {}, out = [];
	rep.forEach(r => { if (r.type === 'codec') { codecs[r.id] = r.mimeType; } });
	rep.forEach(r => {
		if (r.type === 'inbound-rtp' && r.kind === 'audio') {
			out.push({ codec: codecs[r.codecId] || '', packets: r.packetsReceived || 0,
				samples: r.totalSamplesReceived || 0, concealed: r.concealedSamples || 0 });
		} else if (r.type === 'outbound-rtp' && r.kind === 'audio') {
			out.push({ codec: 'sent ' + (codecs[r.codecId] || ''), packets: r.packetsSent || 0 });
		}
	});
	return out;
})()`

type audioIn struct {
	Codec     string `json:"codec"`
	Packets   int64  `json:"packets"`
	Samples   int64  `json:"samples"`
	Concealed int64  `json:"concealed"`
}

// playing counts the inbound audio streams of the codec with more than 200 packets, at most a fifth of
// their samples concealed.
func playing(in []audioIn, codec string) int {
	n := 0
	for _, a := range in {
		if strings.EqualFold(a.Codec, codec) && a.Packets > 200 && a.Samples > 0 && a.Concealed*5 < a.Samples {
			n++
		}
	}
	return n
}

// TestOpusRED (issue 15): with [media] opus_red on, pages 0 and 1 advertise RED and are offered it,
// page 2 does not (enableOpusRed false). Pages 0 and 1 send RED (the bridge logs each sender's first
// RED packet), page 2 plain Opus; page 1 gets page 0's RED as sent and page 2 gets it stripped to
// Opus, and every page plays both others' audio without concealing most of it (Chromium's getStats
// names the codec of a RED stream Opus, so the codec itself is not checked there).
func TestOpusRED(t *testing.T) {
	s := newSessionConfig(t, "media.opus_red = true")
	s.noOpusRed = map[int]bool{2: true}
	pages := []int{0, 1, 2}
	for _, p := range pages {
		s.join(p, "opusred")
	}
	ids := s.waitJoined(pages)
	s.waitPeers(pages, ids)
	var last [3][]audioIn
	err := poll(codecLimit, func() (bool, error) {
		for _, p := range pages {
			if err := s.eval(p, audioStatsJS, &last[p]); err != nil {
				return false, err
			}
		}
		// Chromium reports a RED stream's codec as Opus in getStats (it decodes the blocks as Opus).
		return playing(last[1], "audio/opus") == 2 && playing(last[2], "audio/opus") == 2, nil
	})
	if err != nil {
		t.Fatalf("audio not as expected within %v: page 0 %+v, page 1 %+v, page 2 %+v", codecLimit, last[0], last[1], last[2])
	}
	t.Logf("page 0 %+v\npage 1 %+v\npage 2 %+v", last[0], last[1], last[2])
	for _, p := range []int{0, 1} {
		s.waitMeetdLog("page sending RED", "sender uses RED audio", "endpoint="+ids[p])
	}
	for _, line := range s.logs.all("meetd") {
		if strings.Contains(line, "sender uses RED audio") && strings.Contains(line, "endpoint="+ids[2]) {
			t.Errorf("page 2 was not offered RED but sends it: %s", line)
		}
	}
}
