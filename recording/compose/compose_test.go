package compose

import (
	"context"
	"io"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"go.uber.org/goleak"

	"meetd/recording/media"
	"meetd/recording/testmedia"
)

func needFFmpeg(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("ffmpeg"); err != nil {
		t.Skip("ffmpeg not installed (scripts/test.sh installs Debian's ffmpeg)")
	}
}

var (
	clipsOnce sync.Once
	clips     map[int]testmedia.Clip
	clipsErr  error
	clipDir   string
)

// testClips encodes two 6-second clips once per test binary: 440 Hz and 880 Hz tones.
func testClips(t testing.TB) map[int]testmedia.Clip {
	t.Helper()
	needFFmpeg(t)
	clipsOnce.Do(func() {
		clipDir, clipsErr = os.MkdirTemp("", "meetd-compose-test")
		if clipsErr != nil {
			return
		}
		clips = map[int]testmedia.Clip{}
		for _, f := range []int{440, 880} {
			var c testmedia.Clip
			c, clipsErr = testmedia.Make(clipDir, 6, 320, 180, 15, f)
			if clipsErr != nil {
				return
			}
			clips[f] = c
		}
	})
	if clipsErr != nil {
		t.Fatal(clipsErr)
	}
	return clips
}

func TestMain(m *testing.M) {
	code := m.Run()
	if clipDir != "" {
		os.RemoveAll(clipDir)
	}
	os.Exit(code)
}

// videoStream feeds the clip's frames, loops times over, through RTP
// packets (dropping every dropEvery-th packet if > 0) and media.VP8.
func videoStream(t testing.TB, c testmedia.Clip, start time.Duration, loops, dropEvery int) *Stream {
	frames, err := testmedia.VideoFrames(c.IVF)
	if err != nil {
		t.Fatal(err)
	}
	return &Stream{Start: start, Write: func(w io.Writer) error {
		v, err := media.NewVP8(w)
		if err != nil {
			return err
		}
		pz := testmedia.NewVideo(11)
		n := 0
		clipLen := frames[len(frames)-1].TS + 6000
		for l := range loops {
			for _, f := range frames {
				for _, p := range pz.Packets(f, uint32(l)*clipLen+f.TS) {
					n++
					if dropEvery > 0 && n%dropEvery == 0 {
						continue
					}
					if err := v.Push(p); err != nil {
						return err
					}
				}
			}
		}
		return v.Close()
	}}
}

func audioStream(t testing.TB, c testmedia.Clip, start time.Duration, loops int) *Stream {
	frames, err := testmedia.AudioFrames(c.Ogg)
	if err != nil {
		t.Fatal(err)
	}
	return &Stream{Start: start, Write: func(w io.Writer) error {
		o, err := media.NewOpus(w)
		if err != nil {
			return err
		}
		pz := testmedia.NewAudio(12)
		clipLen := uint32(len(frames)) * 960
		for l := range loops {
			for _, f := range frames {
				for _, p := range pz.Packets(f, uint32(l)*clipLen+f.TS) {
					if err := o.Push(p); err != nil {
						return err
					}
				}
			}
		}
		return o.Close()
	}}
}

func composeTo(t testing.TB, ps []Participant, opt Options) string {
	t.Helper()
	out := filepath.Join(t.TempDir(), "out.mp4")
	f, err := os.Create(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if _, err := Compose(ctx, ps, f, opt); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestComposeTwo(t *testing.T) {
	defer goleak.VerifyNone(t)
	c := testClips(t)
	ps := []Participant{
		{Name: "Anna", Video: videoStream(t, c[440], 0, 1, 0), Audio: audioStream(t, c[440], 0, 1)},
		// Bob joins 3 s later, his video loses every 40th packet.
		{Name: "Bob <script>", Video: videoStream(t, c[880], 3*time.Second, 1, 40), Audio: audioStream(t, c[880], 3*time.Second, 1)},
	}
	out := composeTo(t, ps, Options{Duration: 9 * time.Second})
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.VideoCodec != "h264" || info.AudioCodec != "aac" || math.Abs(info.Duration-9) > 0.5 {
		t.Fatalf("probe %+v", info)
	}
	if info.Width != 1280 || info.Height != 360 {
		t.Fatalf("size %dx%d, want 1280x360 (two tiles)", info.Width, info.Height)
	}
	tests := []struct {
		name string
		t    float64
		x    int
		lit  bool
	}{
		{"Anna at 1 s", 1, 0, true},
		{"Bob's tile before he joined", 1, 640, false},
		{"Bob at 5 s", 5, 640, true},
		{"Anna held after her clip ended", 7.5, 0, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			y, err := testmedia.Brightness(out, tc.t, tc.x+40, 40, 560, 240)
			if err != nil {
				t.Fatal(err)
			}
			if lit := y > 30; lit != tc.lit {
				t.Fatalf("mean luma %.1f, lit %v, want %v", y, lit, tc.lit)
			}
		})
	}
	volumes := []struct {
		name     string
		from, to float64
		freq     int
		audible  bool
	}{
		{"Anna's tone", 0.5, 2.5, 440, true},
		{"no Bob before he joined", 0.5, 2.5, 880, false},
		{"Bob's tone", 3.5, 8.5, 880, true},
		{"silence after Anna's clip", 6.5, 8.5, 440, false},
	}
	for _, tc := range volumes {
		t.Run(tc.name, func(t *testing.T) {
			db, err := testmedia.Volume(out, tc.from, tc.to, tc.freq)
			if err != nil {
				t.Fatal(err)
			}
			if audible := db > -45; audible != tc.audible {
				t.Fatalf("mean volume %.1f dB, audible %v, want %v", db, audible, tc.audible)
			}
		})
	}
}

func TestComposeGridAndAudioOnly(t *testing.T) {
	c := testClips(t)
	ps := []Participant{
		{Name: "A", Video: videoStream(t, c[440], 0, 1, 0)},
		{Name: "B", Audio: audioStream(t, c[880], 0, 1)},
		{Name: "C", Video: videoStream(t, c[880], time.Second, 1, 0)},
	}
	out := composeTo(t, ps, Options{Duration: 4 * time.Second, TileW: 320, TileH: 180})
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	if info.Width != 640 || info.Height != 360 || info.AudioCodec != "aac" {
		t.Fatalf("probe %+v, want a 2×2 grid of 320×180", info)
	}
	db, err := testmedia.Volume(out, 0.5, 3.5, 880)
	if err != nil || db < -45 {
		t.Fatalf("B's audio: %.1f dB %v", db, err)
	}
}

func TestComposeFails(t *testing.T) {
	if _, err := Compose(context.Background(), nil, io.Discard, Options{Duration: time.Second}); err != ErrNoInput {
		t.Fatalf("no participants: %v", err)
	}
	if _, err := Compose(context.Background(), []Participant{{Name: "x"}}, io.Discard,
		Options{Duration: time.Second, FFmpeg: "/nonexistent/ffmpeg"}); err != ErrNoFFmpeg {
		t.Fatalf("no ffmpeg: %v", err)
	}
}

func TestSafeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Dr. Anna-Lena Müller", "Dr. Anna-Lena Müller"},
		{"x':text='pwn", "xtextpwn"},
		{"a;b[c],d\\e", "abcde"},
		{"", "Participant"},
		{"%{pts}", "pts"},
	}
	for _, tc := range tests {
		if got := safeName(tc.in); got != tc.want {
			t.Errorf("safeName(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestComposeResolutionChange: a participant who joined 2 s in changes
// video size mid-way (the bridge switched simulcast layers): the file goes
// on to the end and the tile keeps showing a picture. (It passes without
// -reinit_filter 0 too: the cut that flag fixed shows only with real
// browsers, e2e TestRecordingLateJoiner.)
func TestComposeResolutionChange(t *testing.T) {
	c := testClips(t)
	small, err := testmedia.Make(clipDir, 6, 160, 90, 15, 440)
	if err != nil {
		t.Fatal(err)
	}
	big, err := testmedia.VideoFrames(c[880].IVF)
	if err != nil {
		t.Fatal(err)
	}
	lo, err := testmedia.VideoFrames(small.IVF)
	if err != nil {
		t.Fatal(err)
	}
	switched := &Stream{Start: 2 * time.Second, Write: func(w io.Writer) error {
		v, err := media.NewVP8(w)
		if err != nil {
			return err
		}
		pz := testmedia.NewVideo(11)
		frames := append(append([]testmedia.Frame{}, lo[:45]...), big[45:]...) // 3 s small, then big from a key frame
		for _, f := range frames {
			for _, p := range pz.Packets(f, f.TS) {
				if err := v.Push(p); err != nil {
					return err
				}
			}
		}
		return v.Close()
	}}
	out := composeTo(t, []Participant{{Name: "A", Video: switched}, {Name: "B", Audio: audioStream(t, c[440], 0, 1)}},
		Options{Duration: 8 * time.Second})
	info, err := testmedia.Probe(out)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(info.Duration-8) > 0.5 {
		t.Fatalf("duration %.2f, want 8", info.Duration)
	}
	for _, at := range []float64{3, 7} {
		if lo, hi, err := testmedia.LumaRange(out, at, 40, 40, 560, 240); err != nil || hi-lo < 40 {
			t.Errorf("tile at %.0f s: luma %.0f..%.0f %v", at, lo, hi, err)
		}
	}
}
