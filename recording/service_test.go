package recording

import (
	"bytes"
	"context"
	"errors"
	"io"
	"io/fs"
	"math"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"go.uber.org/goleak"

	"meetd/bridge"
	"meetd/focus"
	"meetd/recording/testmedia"
)

type fakeAttachment struct {
	mu          sync.Mutex
	constraints []bridge.Constraints
	keyframes   int
	done        chan struct{}
	closeOnce   sync.Once
}

func (a *fakeAttachment) SetConstraints(c bridge.Constraints) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.constraints = append(a.constraints, c)
}

func (a *fakeAttachment) RequestKeyframe(uint32) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.keyframes++
}
func (a *fakeAttachment) Done() <-chan struct{} { return a.done }
func (a *fakeAttachment) Close()                { a.closeOnce.Do(func() { close(a.done) }) }

type fakeBridge struct{ att *fakeAttachment }

func (b *fakeBridge) Attach(meetingID, id string, r bridge.Receiver, c bridge.Constraints) (Attachment, error) {
	b.att = &fakeAttachment{done: make(chan struct{})}
	return b.att, nil
}

// sender plays one participant's browser: their clip as RTP with sender
// reports, through the session's receiver interface.
type sender struct {
	video, audio []testmedia.Frame
	vp, ap       *testmedia.Packetizer
	vi, ai       int
	ntp0         time.Time
	sent         int64 // packets the session accepted
}

func newSender(t *testing.T, c testmedia.Clip, vssrc, assrc uint32) *sender {
	v, err := testmedia.VideoFrames(c.IVF)
	if err != nil {
		t.Fatal(err)
	}
	a, err := testmedia.AudioFrames(c.Ogg)
	if err != nil {
		t.Fatal(err)
	}
	return &sender{video: v, audio: a, vp: testmedia.NewVideo(vssrc), ap: testmedia.NewAudio(assrc), ntp0: time.Unix(1_800_000_000, 0)}
}

func ntp(t time.Time) uint64 {
	secs := uint64(t.Unix() + 2208988800)
	frac := uint64(t.Nanosecond()) << 32 / 1e9
	return secs<<32 | frac
}

// send pushes the media of the next d of the clip, and a sender report
// per stream, waiting when the session's queue fills.
func (s *sender) send(sess *Session, d time.Duration) {
	var pkts [][]byte
	for ; s.vi < len(s.video) && time.Duration(s.video[s.vi].TS)*time.Second/90000 < d*time.Duration(1+s.vi/len(s.video)); s.vi++ {
		for _, p := range s.vp.Packets(s.video[s.vi], s.video[s.vi].TS) {
			b, _ := p.Marshal()
			pkts = append(pkts, b)
		}
	}
	for ; s.ai < len(s.audio) && time.Duration(s.audio[s.ai].TS)*time.Second/48000 < d; s.ai++ {
		for _, p := range s.ap.Packets(s.audio[s.ai], s.audio[s.ai].TS) {
			b, _ := p.Marshal()
			pkts = append(pkts, b)
		}
	}
	for _, b := range pkts {
		for s.sent-sess.written.Load() > captureSlots/2 { // let the writer keep up: nothing dropped
			time.Sleep(time.Millisecond)
		}
		if sess.SendRTP(b) {
			s.sent++
		}
	}
	for _, sr := range []*rtcp.SenderReport{
		{SSRC: s.vp.SSRC, NTPTime: ntp(s.ntp0), RTPTime: s.vp.Base},
		{SSRC: s.ap.SSRC, NTPTime: ntp(s.ntp0), RTPTime: s.ap.Base},
	} {
		b, _ := sr.Marshal()
		if sess.SendRTCP(b) {
			s.sent++
		}
	}
}

// waitDrained waits until the session has written as many packets as the
// senders got accepted.
func waitDrained(t *testing.T, sess *Session, senders ...*sender) {
	var sent int64
	for _, s := range senders {
		sent += s.sent
	}
	deadline := time.Now().Add(time.Minute)
	for sess.written.Load() < sent {
		if time.Now().After(deadline) {
			t.Fatalf("queue never drained: %d of %d written", sess.written.Load(), sent)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// mediaFiles lists files under dir other than the link secret.
func mediaFiles(t *testing.T, dir string) []string {
	var out []string
	_ = filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() != LinkSecretFile {
			out = append(out, p)
		}
		return nil
	})
	return out
}

func TestRecordingConsentedOnly(t *testing.T) {
	defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed (scripts/test.sh installs Debian's ffmpeg)")
	}
	clipDir := t.TempDir()
	ca, err := testmedia.Make(clipDir, 6, 320, 180, 15, 440)
	if err != nil {
		t.Fatal(err)
	}
	cb, err := testmedia.Make(clipDir, 6, 320, 176, 15, 880)
	if err != nil {
		t.Fatal(err)
	}
	state := t.TempDir()
	br := &fakeBridge{}
	svc, err := New(Config{Dir: filepath.Join(state, "recordings"), PublicURL: "https://meet.example", LinkTTL: time.Hour,
		Keep: 24 * time.Hour, MaxLength: time.Hour}, br)
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan focus.RecordingResult, 1)
	rs, err := svc.StartRecording(context.Background(), focus.RecordingStart{Room: "r@conference.localhost", MeetingID: "m"},
		func(r focus.RecordingResult) { results <- r })
	if err != nil {
		t.Fatal(err)
	}
	sess := rs.(*Session)
	sess.Allocated(bridge.Allocation{Sources: []bridge.Source{
		{Endpoint: "aaaa", Video: true, SSRC: 11}, {Endpoint: "aaaa", SSRC: 12},
		{Endpoint: "bbbb", Video: true, SSRC: 21}, {Endpoint: "bbbb", SSRC: 22},
	}})
	a, b := newSender(t, ca, 11, 12), newSender(t, cb, 21, 22)

	// Before consent: media flows, nothing reaches the disk.
	sess.Update([]focus.RecordingParticipant{{Endpoint: "aaaa", Name: "Anna"}, {Endpoint: "bbbb", Name: "Bob"}})
	a.send(sess, time.Second)
	b.send(sess, time.Second)
	waitDrained(t, sess, a, b)
	if files := mediaFiles(t, state); len(files) != 0 {
		t.Fatalf("files on disk before consent: %v", files)
	}
	// Anna consents, Bob does not (require_all off): only Anna is written.
	sess.Update([]focus.RecordingParticipant{{Endpoint: "aaaa", Name: "Anna", Consented: true}, {Endpoint: "bbbb", Name: "Bob"}})
	if c := br.att.constraints[len(br.att.constraints)-1]; len(c.Endpoints) != 1 || c.Endpoints[0] != "aaaa" {
		t.Fatalf("constraints %+v", c)
	}
	a.send(sess, 6*time.Second)
	b.send(sess, 6*time.Second)
	waitDrained(t, sess, a, b)
	for _, f := range mediaFiles(t, state) {
		raw, _ := os.ReadFile(f)
		if bytes.Contains(raw, []byte("Anna")) || bytes.Contains(raw, []byte("OpusHead")) {
			t.Fatalf("plaintext in %s", f)
		}
	}
	sess.Stop()
	var res focus.RecordingResult
	select {
	case res = <-results:
	case <-time.After(5 * time.Minute):
		t.Fatal("no result")
	}
	if res.Err != nil || res.People != 1 || !res.Stopped {
		t.Fatalf("result %+v", res)
	}
	if files := mediaFiles(t, filepath.Join(state, "recordings", "spool")); len(files) != 0 {
		t.Fatalf("spool left behind: %v", files)
	}
	out := download(t, svc, res.URL)
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.VideoCodec != "h264" || info.AudioCodec != "aac" || info.Width != 640 || math.Abs(info.Duration-5) > 1 {
		t.Fatalf("probe %+v (want one 640×360 tile, ~5 s)", info)
	}
	if y, err := testmedia.Brightness(out, 2, 40, 40, 560, 240); err != nil || y < 30 {
		t.Fatalf("Anna's tile luma %.1f %v", y, err)
	}
	if db, err := testmedia.Volume(out, 0.5, 4.5, 440); err != nil || db < -45 {
		t.Fatalf("Anna's tone %.1f dB %v", db, err)
	}
	if db, err := testmedia.Volume(out, 0.5, 4.5, 880); err != nil || db > -45 {
		t.Fatalf("Bob's tone present: %.1f dB %v", db, err)
	}
	if err := svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func download(t *testing.T, svc *Service, link string) string {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || !strings.HasPrefix(u.Path, "/recordings/") {
		t.Fatalf("link %q", link)
	}
	h := NewHandler(svc.Store(), svc.Signer(), nil, nil)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", u.Path, nil))
	if rec.Code != 200 {
		t.Fatalf("download status %d", rec.Code)
	}
	body, _ := io.ReadAll(rec.Result().Body)
	out := filepath.Join(t.TempDir(), "dl.mp4")
	if err := os.WriteFile(out, body, 0o600); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestNothingRecordedWithoutConsent(t *testing.T) {
	br := &fakeBridge{}
	state := t.TempDir()
	svc, err := New(Config{Dir: filepath.Join(state, "rec"), RequireAll: true, MaxLength: time.Hour}, br)
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan focus.RecordingResult, 1)
	rs, err := svc.StartRecording(context.Background(), focus.RecordingStart{MeetingID: "m"}, func(r focus.RecordingResult) { results <- r })
	if err != nil {
		t.Fatal(err)
	}
	sess := rs.(*Session)
	sess.Allocated(bridge.Allocation{Sources: []bridge.Source{{Endpoint: "aaaa", SSRC: 12}, {Endpoint: "bbbb", SSRC: 22}}})
	// require_all: Anna's consent alone opens nothing.
	sess.Update([]focus.RecordingParticipant{{Endpoint: "aaaa", Consented: true}, {Endpoint: "bbbb"}})
	if c := br.att.constraints[len(br.att.constraints)-1]; len(c.Endpoints) != 0 {
		t.Fatalf("constraints %+v, want nobody", c)
	}
	pkt := make([]byte, 40)
	pkt[0] = 0x80
	pkt[11] = 12
	raw := &sender{}
	for range 100 {
		if sess.SendRTP(pkt) {
			raw.sent++
		}
	}
	waitDrained(t, sess, raw)
	if files := mediaFiles(t, state); len(files) != 0 {
		t.Fatalf("files on disk: %v", files)
	}
	sess.Stop()
	if r := <-results; !errors.Is(r.Err, ErrNothingRecorded) {
		t.Fatalf("result %+v", r)
	}
	if err := svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}

func TestLeftoversReported(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "rec")
	if err := os.MkdirAll(filepath.Join(dir, "spool"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "spool", "0123.spool"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	var logged bytes.Buffer
	svc, err := New(Config{Dir: dir, Logger: testLogger(&logged)}, &fakeBridge{})
	if err != nil {
		t.Fatal(err)
	}
	defer svc.Close(context.Background())
	if !strings.Contains(logged.String(), "interrupted") {
		t.Fatalf("not reported: %q", logged.String())
	}
	if files := mediaFiles(t, dir); len(files) != 0 {
		t.Fatalf("leftover kept: %v", files)
	}
}

// TestOnlyVP8VideoRecorded: a consented participant's video packets in
// another codec (AV1, payload type 41, sent until the client switches to VP8
// for the recorder) are not written: nothing reaches the disk, and the
// recording has nothing to compose.
func TestOnlyVP8VideoRecorded(t *testing.T) {
	br := &fakeBridge{}
	state := t.TempDir()
	svc, err := New(Config{Dir: filepath.Join(state, "rec"), MaxLength: time.Hour}, br)
	if err != nil {
		t.Fatal(err)
	}
	results := make(chan focus.RecordingResult, 1)
	rs, err := svc.StartRecording(context.Background(), focus.RecordingStart{MeetingID: "m"}, func(r focus.RecordingResult) { results <- r })
	if err != nil {
		t.Fatal(err)
	}
	sess := rs.(*Session)
	sess.Allocated(bridge.Allocation{Sources: []bridge.Source{{Endpoint: "aaaa", SSRC: 12, Video: true}}})
	sess.Update([]focus.RecordingParticipant{{Endpoint: "aaaa", Consented: true}})
	pkt := make([]byte, 40)
	pkt[0], pkt[1], pkt[11] = 0x80, 41, 12
	raw := &sender{}
	for range 100 {
		if sess.SendRTP(pkt) {
			raw.sent++
		}
	}
	waitDrained(t, sess, raw)
	if files := mediaFiles(t, state); len(files) != 0 {
		t.Fatalf("AV1 packets written: %v", files)
	}
	sess.Stop()
	if r := <-results; !errors.Is(r.Err, ErrNothingRecorded) {
		t.Fatalf("result %+v", r)
	}
	if err := svc.Close(context.Background()); err != nil {
		t.Fatal(err)
	}
}
