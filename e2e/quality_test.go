package e2e

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"
)

// Issue 4's limits for the media-quality tests.
const (
	qualityLimit  = 45 * time.Second // a requested layer arrives (keyframe, encoder ramp-up)
	speakerLimit  = 3 * time.Second  // the only unmuted participant is dominant everywhere
	onStageHeight = 540
	thumbHeight   = 180
)

// videoStats is the video part of a page's getStats(): inbound streams with decoded frames and frame
// height, outbound simulcast encodings with their height.
type videoStats struct {
	In  []videoIn  `json:"in"`
	Out []videoOut `json:"out"`
}

type videoIn struct {
	SSRC   uint32 `json:"ssrc"`
	Frames int64  `json:"frames"`
	Height int    `json:"height"`
}

type videoOut struct {
	SSRC   uint32 `json:"ssrc"`
	Height int    `json:"height"`
	RID    string `json:"rid"`
	Frames int64  `json:"frames"`
}

const videoStatsJS = `(async () => {
	const room = meetdTest.conference();
	const s = room && room.jvbJingleSession;
	const pc = s && s.peerconnection && s.peerconnection.peerconnection;
	if (!pc) { return null; }
	const out = { in: [], out: [] };
	(await pc.getStats()).forEach(r => {
		if (r.kind !== 'video') { return; }
		if (r.type === 'inbound-rtp') {
			out.in.push({ ssrc: r.ssrc, frames: r.framesDecoded || 0, height: r.frameHeight || 0 });
		} else if (r.type === 'outbound-rtp') {
			out.out.push({ ssrc: r.ssrc, height: r.frameHeight || 0, rid: r.rid || '', frames: r.framesEncoded || 0 });
		}
	});
	return out;
})()`

// quality is a call of several pages with the helpers the quality tests need.
type quality struct {
	*session
	all []int
	ids map[int]string
}

// startQualityCall joins n pages to one room and waits until everyone decodes everyone.
func startQualityCall(t *testing.T, room string, n int) *quality {
	s := newSession(t)
	q := &quality{session: s}
	for p := range n {
		q.all = append(q.all, p)
		s.join(p, room)
	}
	q.ids = s.waitJoined(q.all)
	s.waitPeers(q.all, q.ids)
	s.waitMedia(q.all)
	return q
}

func (q *quality) video(page int) videoStats {
	q.t.Helper()
	var v *videoStats
	if err := q.eval(page, videoStatsJS, &v); err != nil || v == nil {
		q.t.Fatalf("video stats of page %d: %v", page, err)
	}
	return *v
}

// from returns the page's inbound video stream that carries one of sender's encodings.
func (v videoStats) from(sender videoStats) (videoIn, bool) {
	for _, in := range v.In {
		for _, o := range sender.Out {
			if o.SSRC == in.SSRC {
				return in, true
			}
		}
	}
	return videoIn{}, false
}

// constrain sends a ReceiverVideoConstraints from page through the client's API. Keys name both the
// source (current clients) and the endpoint (2021 clients); the bridge takes either.
func (q *quality) constrain(page int, lastN int, onStage []int, heights map[int]int) {
	q.t.Helper()
	var stage []string
	for _, p := range onStage {
		stage = append(stage, q.ids[p])
	}
	cons := map[string]map[string]int{}
	for p, h := range heights {
		cons[q.ids[p]] = map[string]int{"maxHeight": h}
		cons[q.ids[p]+"-v0"] = map[string]int{"maxHeight": h}
	}
	var sources []string
	for _, id := range stage {
		sources = append(sources, id+"-v0")
	}
	msg, _ := json.Marshal(map[string]any{
		"lastN": lastN, "onStageEndpoints": nonNil(stage), "onStageSources": nonNil(sources),
		"selectedEndpoints": []string{}, "selectedSources": []string{},
		"defaultConstraints": map[string]int{"maxHeight": thumbHeight}, "constraints": cons,
	})
	if err := q.eval(page, fmt.Sprintf("meetdTest.conference().setReceiverConstraints(%s), true", msg), nil); err != nil {
		q.t.Fatalf("setReceiverConstraints on page %d: %v", page, err)
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// TestSimulcastQuality (issue 4): four clients send simulcast VP8 from a 720p fake camera. A receiver
// that puts one source on stage at 720 gets at least 540 lines of it while another receiver, asking 180
// for the same source, gets at most 180; the one unmuted participant becomes dominant speaker on every
// other client within 3 s; with lastN=1 a receiver gets only the dominant speaker's video.
func TestSimulcastQuality(t *testing.T) {
	q := startQualityCall(t, "simulcastquality", 4)
	for _, p := range q.all {
		t.Logf("page %d sends %s", p, q.video(p).encodings())
	}
	t.Run("per-receiver layers", q.testLayers)
	t.Run("dominant speaker", q.testDominantSpeaker)
	t.Run("lastN 1", q.testLastN)
}

// testLayers: page 0 puts page 1 on stage at 720 and asks 180 of page 2; page 3 asks 180 of page 1.
// Page 1 must send simulcast (three encodings), so the bridge forwards its 720-line encoding to page 0
// and its 180-line encoding to page 3 at the same time.
func (q *quality) testLayers(t *testing.T) {
	q.requireSimulcast(t, 1)
	q.constrain(0, -1, []int{1}, map[int]int{1: 720, 2: thumbHeight})
	q.constrain(3, -1, nil, map[int]int{1: thumbHeight})
	var last string
	err := poll(qualityLimit, func() (bool, error) {
		v0, v1, v3 := q.video(0), q.video(1), q.video(3)
		stage, ok1 := v0.from(v1)
		thumb, ok2 := v0.from(q.video(2))
		other, ok3 := v3.from(v1)
		last = fmt.Sprintf("page 0 gets page 1 at %d lines, page 2 at %d; page 3 gets page 1 at %d; page 1 sends %s",
			stage.Height, thumb.Height, other.Height, v1.encodings())
		done := ok1 && ok2 && stage.Height >= onStageHeight && thumb.Height > 0 && thumb.Height <= thumbHeight
		return done && ok3 && other.Height > 0 && other.Height <= thumbHeight, nil
	})
	if err != nil {
		t.Fatalf("layers not as asked within %v: %s\n%s", qualityLimit, last, q.describeAll(q.all))
	}
	t.Log(last)
	q.waitStillDecoding([]int{0, 3})
}

// requireSimulcast fails the test unless page sends its camera as at least three video encodings with
// distinct SSRCs. The 2021 client munges an ssrc-group SIM into its answer (legacy simulcast), which
// Chromium honours; it does so only when config.js's videoQuality names a preferredCodec.
func (q *quality) requireSimulcast(t *testing.T, page int) {
	t.Helper()
	v := q.video(page)
	if n := v.distinctOut(); n < 3 {
		t.Fatalf("page %d (lib-jitsi-meet %s) sends %d video encodings, want 3 (simulcast): %s",
			page, q.libVersion, n, v.encodings())
	}
}

// distinctOut counts the outbound video encodings by SSRC.
func (v videoStats) distinctOut() int {
	seen := map[uint32]bool{}
	for _, o := range v.Out {
		seen[o.SSRC] = true
	}
	return len(seen)
}

// encodings describes the outbound video encodings (SSRC, rid when signalled, height), lowest first,
// for logs.
func (v videoStats) encodings() string {
	out := slices.Clone(v.Out)
	slices.SortFunc(out, func(a, b videoOut) int { return cmp.Compare(a.Height, b.Height) })
	var parts []string
	for _, o := range out {
		rid := ""
		if o.RID != "" {
			rid = " rid " + o.RID
		}
		parts = append(parts, fmt.Sprintf("%d%s: %d lines", o.SSRC, rid, o.Height))
	}
	return "[" + strings.Join(parts, ", ") + "]"
}

// testDominantSpeaker: only page 3 is unmuted, then only page 1; each time every other page is told.
func (q *quality) testDominantSpeaker(t *testing.T) {
	for _, speaker := range []int{3, 1} {
		for _, p := range q.all {
			q.setAudioMuted(p, p != speaker)
		}
		start := time.Now()
		q.waitDominant(speaker)
		took := time.Since(start)
		if took > speakerLimit {
			t.Fatalf("page %d became dominant speaker after %v, more than %v", speaker, took, speakerLimit)
		}
		t.Logf("page %d dominant speaker on every other page after %v", speaker, took.Round(10*time.Millisecond))
	}
}

func (q *quality) setAudioMuted(page int, muted bool) {
	q.t.Helper()
	op := "unmute"
	if muted {
		op = "mute"
	}
	js := fmt.Sprintf("meetdTest.conference().getLocalAudioTrack().%s().then(() => true)", op)
	if err := q.eval(page, js, nil); err != nil {
		q.t.Fatalf("%s audio on page %d: %v", op, page, err)
	}
}

// waitDominant polls (every 100 ms) until every page but speaker names it dominant speaker.
func (q *quality) waitDominant(speaker int) {
	q.t.Helper()
	deadline := time.Now().Add(2 * speakerLimit)
	for {
		var seen []string
		for _, p := range q.all {
			var id string
			if p != speaker && q.eval(p, "meetdTest.conference().lastDominantSpeaker || ''", &id) == nil && id != q.ids[speaker] {
				seen = append(seen, fmt.Sprintf("page %d: %q", p, id))
			}
		}
		if len(seen) == 0 {
			return
		}
		if time.Now().After(deadline) {
			q.t.Fatalf("page %d (%s) is not dominant speaker everywhere: %s", speaker, q.ids[speaker], strings.Join(seen, ", "))
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// testLastN: page 0 sets lastN=1 (nothing on stage); page 1, the dominant speaker after
// testDominantSpeaker, is the only video that keeps decoding there.
func (q *quality) testLastN(t *testing.T) {
	q.constrain(0, 1, nil, nil)
	time.Sleep(2 * time.Second) // in-flight frames
	frames := func() map[int]int64 {
		v0 := q.video(0)
		m := map[int]int64{}
		for _, p := range []int{1, 2, 3} {
			in, _ := v0.from(q.video(p))
			m[p] = in.Frames
		}
		return m
	}
	before := frames()
	time.Sleep(3 * time.Second)
	after := frames()
	t.Logf("frames decoded on page 0 in 3 s with lastN=1: page 1 %d, page 2 %d, page 3 %d",
		after[1]-before[1], after[2]-before[2], after[3]-before[3])
	if after[1]-before[1] < 30 {
		t.Fatalf("the dominant speaker's video is not forwarded with lastN=1")
	}
	for _, p := range []int{2, 3} {
		if after[p]-before[p] > 2 {
			t.Fatalf("page %d's video still forwarded with lastN=1", p)
		}
	}
}
