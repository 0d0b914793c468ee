package e2e

import (
	"crypto/tls"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"meetd/recording/testmedia"
	"meetd/recording/vault"
)

// recordedFor is how long the consented call is recorded.
const recordedFor = 20 * time.Second

// TestRecording: a moderator starts a recording with lib-jitsi-meet's startRecording (the Jibri IQ),
// every page sees the recorder turn on; page 0 started it, which is its consent (the web app asks everyone
// else); page 1 consents the way the web app's consent dialog makes it (mute camera and microphone, then
// unmute); page 2 never mutes — a client that skipped the dialog — so the server does not count it as
// consenting. After 20 s the moderator stops; the focus's private
// message carries the link; the download is an MP4 with H.264 and AAC of about the recorded length,
// with exactly two tiles (page 2 is absent), each lit, and the audio not silent. [recording] require_all
// is off here so that the two consenting participants are recorded while page 2 refuses.
func TestRecording(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is missing: scripts/test.sh installs Debian's ffmpeg and fonts-dejavu-core")
	}
	s := newSessionConfig(t, "[recording]", `enabled = "on"`, "require_all = false")
	pages := []int{0, 1, 2}
	s.moderatedCall("recording", pages, true)
	s.watchRecording(pages)
	consented := time.Now() // page 0's consent: it starts the recording
	s.mustEval(0, `(meetdTest.conference().startRecording({ mode: 'file' }), true)`)
	for _, p := range pages {
		s.waitRecorderState(p, "on")
	}
	s.setLocalMuted(1, true)
	time.Sleep(2 * time.Second) // reading the consent dialog
	s.setLocalMuted(1, false)
	time.Sleep(recordedFor)
	s.mustEval(0, `(meetdTest.conference().stopRecording(window.recSession), true)`)
	stopped := time.Since(consented)
	s.checkTwoTiles(s.downloadRecording(s.waitRecordingLink(0)), stopped, "the non-consenting page")
}

// checkTwoTiles checks a downloaded recording of two consenting participants and one who did not consent
// (named absent): H.264 + AAC of the recorded length (±2 s), two tiles side by side (1280×360) that both
// show a picture, and sound.
func (s *session) checkTwoTiles(out string, recorded time.Duration, absent string) {
	s.t.Helper()
	info, err := testmedia.Probe(out)
	if err != nil {
		s.t.Fatal(err)
	}
	s.t.Logf("recording: %+v (recorded for %v)", info, recorded)
	if info.VideoCodec != "h264" || info.AudioCodec != "aac" || math.Abs(info.Duration-recorded.Seconds()) > 2 {
		s.t.Fatalf("probe %+v, want H.264 + AAC of about %.1f s", info, recorded.Seconds())
	}
	if info.Width != 1280 || info.Height != 360 {
		s.t.Fatalf("frame %dx%d, want two tiles side by side (1280x360): %s must be absent", info.Width, info.Height, absent)
	}
	s.tilesShowPictures(out, info.Duration/2, 0, 640)
	if db, err := testmedia.Volume(out, 1, info.Duration-1, 0); err != nil || db < -60 {
		s.t.Errorf("audio mean volume %.1f dB %v, want sound", db, err)
	}
}

// TestRecordingTwo: two participants, [recording] require_all at its default (true). After the start
// and before the second consent nothing but the link secret is in state_dir/recordings (no media bytes
// on disk before everyone consented); both consent, 20 s, stop: two lit tiles, H.264 + AAC of the
// recorded length. A call without a recording leaves no media file either (scanned before the start).
func TestRecordingTwo(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is missing: scripts/test.sh installs Debian's ffmpeg and fonts-dejavu-core")
	}
	s := newSessionConfig(t, "[recording]", `enabled = "on"`)
	pages := []int{0, 1}
	s.moderatedCall("recordingtwo", pages, true)
	time.Sleep(3 * time.Second) // a call without a recording
	s.noMediaOnDisk("during a call without a recording")
	s.watchRecording(pages)
	s.mustEval(0, `(meetdTest.conference().startRecording({ mode: 'file' }), true)`)
	for _, p := range pages {
		s.waitRecorderState(p, "on")
	}
	s.setLocalMuted(0, true)
	s.setLocalMuted(1, true)
	time.Sleep(2 * time.Second)
	s.setLocalMuted(0, false) // page 1 has not consented yet: require_all writes nothing
	time.Sleep(3 * time.Second)
	s.noMediaOnDisk("before everyone consented")
	s.setLocalMuted(1, false)
	consented := time.Now()
	time.Sleep(recordedFor)
	s.mustEval(0, `(meetdTest.conference().stopRecording(window.recSession), true)`)
	stopped := time.Since(consented)
	out := s.downloadRecording(s.waitRecordingLink(0))
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recording: %+v (recorded for %v)", info, stopped)
	if info.VideoCodec != "h264" || info.AudioCodec != "aac" || math.Abs(info.Duration-stopped.Seconds()) > 2 || info.Width != 1280 {
		t.Fatalf("probe %+v, want H.264 + AAC, two tiles, about %.1f s", info, stopped.Seconds())
	}
	s.tilesShowPictures(out, info.Duration/2, 0, 640)
}

// TestRecordingLateJoiner: pages 0 and 1 are recorded ([recording] require_all = false); page 2 joins
// later, is in the call but not in the file until it consents (mute, then unmute): its tile (third, a
// 2×2 grid) is black on the time line before its consent and shows a picture after.
func TestRecordingLateJoiner(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is missing: scripts/test.sh installs Debian's ffmpeg and fonts-dejavu-core")
	}
	s := newSessionConfig(t, "[recording]", `enabled = "on"`, "require_all = false")
	s.moderatedCall("recordinglate", []int{0, 1}, true)
	s.watchRecording([]int{0, 1})
	s.mustEval(0, `(meetdTest.conference().startRecording({ mode: 'file' }), true)`)
	s.waitRecorderState(0, "on")
	for _, p := range []int{0, 1} {
		s.setLocalMuted(p, true)
	}
	time.Sleep(2 * time.Second)
	for _, p := range []int{0, 1} {
		s.setLocalMuted(p, false)
	}
	start := time.Now()
	s.join(2, "recordinglate")
	ids := s.waitJoined([]int{0, 1, 2})
	s.waitPeers([]int{0, 1, 2}, ids)
	s.waitMedia([]int{2})
	time.Sleep(5 * time.Second) // in the call, not consented
	s.setLocalMuted(2, true)
	time.Sleep(2 * time.Second)
	s.setLocalMuted(2, false)
	consent := time.Since(start)
	time.Sleep(10 * time.Second)
	s.mustEval(0, `(meetdTest.conference().stopRecording(window.recSession), true)`)
	out := s.downloadRecording(s.waitRecordingLink(0))
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("recording: %+v; page 2 consented %v after the others", info, consent)
	if info.Duration < consent.Seconds()+8 {
		t.Errorf("recording of %.1f s ends before the call's last 10 s (page 2 consented at %.1f s)\n%s",
			info.Duration, consent.Seconds(), s.recordingLog())
	}
	if info.Width != 1280 || info.Height != 720 {
		t.Fatalf("frame %dx%d, want a 2×2 grid of 640×360 (three participants)", info.Width, info.Height)
	}
	if lo, hi, err := testmedia.LumaRange(out, consent.Seconds()-4, 40, 400, 560, 240); err != nil || hi-lo > 5 {
		t.Errorf("page 2's tile before its consent: luma %.0f..%.0f %v, want black", lo, hi, err)
	}
	after := (consent.Seconds() + info.Duration) / 2
	s.tilesShowPictures(out, after, 0, 640)
	if lo, hi, err := testmedia.LumaRange(out, after, 40, 400, 560, 240); err != nil || hi-lo < 40 {
		t.Errorf("page 2's tile after its consent: luma %.0f..%.0f %v, want a picture", lo, hi, err)
	}
}

// TestRecordingGracefulStop: meetd gets SIGTERM while a consented recording runs: before it exits it
// composes the partial recording and keeps it (state_dir/recordings lists it, sealed).
func TestRecordingGracefulStop(t *testing.T) {
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Fatal("ffmpeg is missing: scripts/test.sh installs Debian's ffmpeg and fonts-dejavu-core")
	}
	s := newSessionConfig(t, "[recording]", `enabled = "on"`)
	pages := []int{0, 1}
	s.moderatedCall("recordingstop", pages, true)
	s.watchRecording(pages)
	s.mustEval(0, `(meetdTest.conference().startRecording({ mode: 'file' }), true)`)
	s.waitRecorderState(0, "on")
	for _, p := range pages {
		s.setLocalMuted(p, true)
	}
	time.Sleep(2 * time.Second)
	for _, p := range pages {
		s.setLocalMuted(p, false)
	}
	time.Sleep(6 * time.Second)
	s.meetd.stop(t)
	store, err := vault.NewStore(filepath.Join(s.meetd.state, "recordings"))
	if err != nil {
		t.Fatal(err)
	}
	list, err := store.List()
	if err != nil || len(list) != 1 || list[0].Participants != 2 || list[0].Duration < 4 {
		t.Fatalf("recordings after the stop: %+v %v\n%s", list, err, s.recordingLog())
	}
	s.noMediaOnDisk("after the stop (only the sealed file and its metadata may remain)", list[0].ID)
}

// tilesShowPictures checks that the 640×360 tiles at the given x offsets show a picture at second t, not
// a black or uniform tile (Chromium's fake camera: a pacman on a green background whose brightness cycles).
func (s *session) tilesShowPictures(out string, t float64, xs ...int) {
	s.t.Helper()
	for _, x := range xs {
		lo, hi, err := testmedia.LumaRange(out, t, x+40, 40, 560, 240) // above the name
		if err != nil || hi-lo < 40 {
			s.t.Errorf("tile at x=%d, %.1f s: luma %.0f..%.0f %v, want a picture", x, t, lo, hi, err)
		}
	}
}

// watchRecording records each page's recorder state, session and private messages in the page.
func (s *session) watchRecording(pages []int) {
	s.t.Helper()
	for _, p := range pages {
		s.mustEval(p, `(() => { const c = meetdTest.conference(), ev = JitsiMeetJS.events.conference;
			window.recState = ''; window.recMsgs = [];
			c.on(ev.RECORDER_STATE_CHANGED, s => { window.recState = s.getStatus(); window.recSession = s.getID(); });
			c.on(ev.PRIVATE_MESSAGE_RECEIVED, (id, text) => { window.recMsgs.push(String(text)); });
			return true; })()`)
	}
}

// noMediaOnDisk fails if state_dir/recordings holds anything but the link secret, the empty spool
// directory and the sealed files (with metadata) of the given recordings.
func (s *session) noMediaOnDisk(when string, sealed ...string) {
	s.t.Helper()
	allowed := map[string]bool{"link.key": true}
	for _, id := range sealed {
		allowed[id+".rec"], allowed[id+".json"] = true, true
	}
	_ = filepath.WalkDir(filepath.Join(s.meetd.state, "recordings"), func(p string, d os.DirEntry, err error) error {
		if err == nil && !d.IsDir() && !allowed[d.Name()] {
			s.t.Errorf("%s: %s is on disk", when, p)
		}
		return nil
	})
}

// waitRecorderState waits until page's recorder status is want.
func (s *session) waitRecorderState(page int, want string) {
	s.t.Helper()
	err := poll(joinLimit, func() (bool, error) {
		var st string
		err := s.eval(page, `window.recState`, &st)
		return st == want, err
	})
	if err != nil {
		s.t.Fatalf("page %d: recorder never %q: %v", page, want, err)
	}
}

// setLocalMuted mutes or unmutes page's camera and microphone through the library.
func (s *session) setLocalMuted(page int, muted bool) {
	s.t.Helper()
	op := "unmute"
	if muted {
		op = "mute"
	}
	s.mustEval(page, fmt.Sprintf(`Promise.all(meetdTest.conference().getLocalTracks().map(t => t.%s())).then(() => true)`, op))
	s.waitLocalMuted(page, "audio", muted)
}

var linkRE = regexp.MustCompile(`https://\S+/recordings/[A-Za-z0-9_-]+`)

// waitRecordingLink waits for the focus's private message with the link.
func (s *session) waitRecordingLink(page int) string {
	s.t.Helper()
	var link string
	err := poll(5*time.Minute, func() (bool, error) {
		var msgs []string
		err := s.eval(page, `window.recMsgs`, &msgs)
		for _, m := range msgs {
			if l := linkRE.FindString(m); l != "" {
				link = l
			}
		}
		return link != "", err
	})
	if err != nil {
		s.t.Fatalf("page %d: no recording link: %v\nmeetd's recording lines:\n%s", page, err, s.recordingLog())
	}
	return link
}

// recordingLog returns meetd's log lines about recording.
func (s *session) recordingLog() string {
	var out []string
	for _, l := range s.logs.all("meetd") {
		if strings.Contains(l, "part=recording") || strings.Contains(l, "recording") && strings.Contains(l, "part=focus") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// downloadRecording fetches the link (meetd's self-signed certificate) into a file.
func (s *session) downloadRecording(link string) string {
	s.t.Helper()
	c := &http.Client{Timeout: time.Minute, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // meetd's self-signed test cert
	}}
	res, err := c.Get(link)
	if err != nil {
		s.t.Fatal(err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		s.t.Fatalf("download: %s", res.Status)
	}
	out := filepath.Join(s.t.TempDir(), "recording.mp4")
	if d := os.Getenv("MEETD_E2E_RECORDINGS"); d != "" { // keep the downloaded file for a look
		out = filepath.Join(d, s.t.Name()+".mp4")
	}
	f, err := os.Create(out)
	if err != nil {
		s.t.Fatal(err)
	}
	defer f.Close()
	if _, err := io.Copy(f, res.Body); err != nil {
		s.t.Fatal(err)
	}
	tampered := strings.TrimSuffix(link, link[len(link)-1:]) + "A"
	if tampered == link {
		tampered = strings.TrimSuffix(link, "A") + "B"
	}
	if r, err := c.Get(tampered); err != nil || r.StatusCode != http.StatusForbidden {
		s.t.Errorf("tampered link: %v %v", r, err)
	}
	return out
}
