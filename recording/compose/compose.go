package compose

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"golang.org/x/sys/unix"
)

// Options bound and shape one composition.
type Options struct {
	FFmpeg   string        // path of ffmpeg; "" = looked up in PATH
	Font     string        // TrueType font for the names; "" = DefaultFont
	TileW    int           // tile width, default 640
	TileH    int           // tile height, default 360
	FPS      int           // frame rate, default 15
	CRF      int           // x264 quality, default 26
	Duration time.Duration // length of the recording's time line (required)
	// Timeout ends ffmpeg; default: the duration plus 10 minutes.
	Timeout time.Duration
	// Memory is ffmpeg's address-space limit in bytes, default 2 GiB.
	Memory uint64
	// Nice is ffmpeg's nice value, default 10.
	Nice int
	// Threads is ffmpeg's thread count, default 2.
	Threads int
}

// DefaultFont is Debian fonts-dejavu-core's sans-serif font.
const DefaultFont = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"

func (o Options) withDefaults() Options {
	if o.Font == "" {
		o.Font = DefaultFont
	}
	setDefault(&o.TileW, 640)
	setDefault(&o.TileH, 360)
	setDefault(&o.FPS, 15)
	setDefault(&o.CRF, 26)
	setDefault(&o.Nice, 10)
	setDefault(&o.Threads, 2)
	if o.Timeout == 0 {
		o.Timeout = o.Duration + 10*time.Minute
	}
	if o.Memory == 0 {
		o.Memory = 2 << 30
	}
	return o
}

func setDefault(v *int, d int) {
	if *v == 0 {
		*v = d
	}
}

// Available reports why composition cannot run here, or nil.
func Available(o Options) error {
	o = o.withDefaults()
	if _, err := o.ffmpegPath(); err != nil {
		return err
	}
	if _, err := os.Stat(o.Font); err != nil {
		return ErrNoFont
	}
	return nil
}

func (o Options) ffmpegPath() (string, error) {
	name := o.FFmpeg
	if name == "" {
		name = "ffmpeg"
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", ErrNoFFmpeg
	}
	return p, nil
}

// Result tells what a composition cost.
type Result struct {
	Size int64         // MP4 bytes
	CPU  time.Duration // ffmpeg's user + system CPU time
}

// Compose runs ffmpeg over the participants and copies the finished MP4 to
// out. It returns when ffmpeg and every stream writer are done.
func Compose(ctx context.Context, ps []Participant, out io.Writer, opt Options) (Result, error) {
	if len(ps) == 0 {
		return Result{}, ErrNoInput
	}
	opt = opt.withDefaults()
	if err := Available(opt); err != nil {
		return Result{}, err
	}
	mp4, err := memFile("meetd-recording")
	if err != nil {
		return Result{}, err
	}
	defer mp4.Close()
	job, err := newJob(ps, opt, mp4)
	if err != nil {
		return Result{}, err
	}
	defer job.closeAll()
	res, err := job.run(ctx)
	if err != nil {
		return res, err
	}
	if _, err := mp4.Seek(0, io.SeekStart); err != nil {
		return res, fmt.Errorf("compose: %w", err)
	}
	if res.Size, err = io.Copy(out, mp4); err != nil {
		return res, fmt.Errorf("compose: copy out: %w", err)
	}
	return res, nil
}

// job is one ffmpeg run: its arguments and the pipes feeding it.
type job struct {
	opt     Options
	args    []string
	extra   []*os.File // child's fds 3, 4, ...: the output, then the read ends
	writers []feeder
}

type feeder struct {
	w     *os.File
	write func(io.Writer) error
}

func newJob(ps []Participant, opt Options, mp4 *os.File) (*job, error) {
	j := &job{opt: opt, extra: []*os.File{mp4}}
	j.args = []string{"-nostdin", "-hide_banner", "-loglevel", "error",
		"-filter_complex_threads", strconv.Itoa(opt.Threads)}
	g := &graph{opt: opt, lay: gridFor(len(ps), opt.TileW, opt.TileH), dur: secs(opt.Duration), font: opt.Font}
	for i, p := range ps {
		vin, err := j.input(p.Video, "ivf")
		if err != nil {
			return j, err
		}
		g.video(i, p, vin)
	}
	for i, p := range ps {
		if p.Audio == nil {
			continue
		}
		ain, err := j.input(p.Audio, "ogg")
		if err != nil {
			return j, err
		}
		g.audio(i, p, ain)
	}
	g.outputs()
	j.args = append(j.args, "-filter_complex", g.b.String(), "-map", "[vout]", "-map", "[aout]",
		"-threads", strconv.Itoa(opt.Threads), "-c:v", "libx264", "-preset", "veryfast", "-crf", strconv.Itoa(opt.CRF), "-pix_fmt", "yuv420p",
		"-g", strconv.Itoa(opt.FPS*4), "-c:a", "aac", "-b:a", "96k", "-ar", "48000",
		"-t", secs(opt.Duration), "-movflags", "+faststart", "-f", "mp4", "-y", "/dev/fd/3")
	return j, nil
}

// input adds a pipe for s and returns its ffmpeg input index, or -1.
func (j *job) input(s *Stream, format string) (int, error) {
	if s == nil {
		return -1, nil
	}
	r, w, err := os.Pipe()
	if err != nil {
		return -1, fmt.Errorf("compose: pipe: %w", err)
	}
	index := len(j.writers)
	j.extra = append(j.extra, r)
	j.writers = append(j.writers, feeder{w: w, write: s.Write})
	fd := 3 + len(j.extra) - 1
	if format == "ivf" {
		// A layer switch changes the picture size: keep the graph (its
		// padding and trimming state) and let scale take the new size,
		// instead of ffmpeg rebuilding the whole graph mid-recording.
		j.args = append(j.args, "-reinit_filter", "0")
	}
	j.args = append(j.args, "-thread_queue_size", "1024", "-f", format, "-i", "pipe:"+strconv.Itoa(fd))
	return index, nil
}

func (j *job) closeAll() {
	for _, f := range j.extra[1:] {
		f.Close()
	}
	for _, f := range j.writers {
		f.w.Close()
	}
}

// run starts ffmpeg, feeds it and waits for everything.
func (j *job) run(ctx context.Context) (Result, error) {
	ctx, cancel := context.WithTimeout(ctx, j.opt.Timeout)
	defer cancel()
	path, _ := j.opt.ffmpegPath()
	cmd := exec.CommandContext(ctx, path, j.args...)
	cmd.ExtraFiles = j.extra
	stderr := &tail{max: 2048}
	cmd.Stderr = stderr
	cmd.WaitDelay = 5 * time.Second
	if err := cmd.Start(); err != nil {
		return Result{}, fmt.Errorf("%w: start: %w", ErrFFmpeg, err)
	}
	bound(cmd.Process.Pid, j.opt)
	for _, f := range j.extra[1:] {
		f.Close() // the child holds the read ends now
	}
	j.extra = j.extra[:1]
	var wg sync.WaitGroup
	errs := make([]error, len(j.writers))
	for i, f := range j.writers {
		wg.Go(func() {
			errs[i] = f.write(f.w)
			f.w.Close()
		})
	}
	werr := cmd.Wait()
	wg.Wait()
	var res Result
	if st := cmd.ProcessState; st != nil {
		res.CPU = st.UserTime() + st.SystemTime()
	}
	if werr != nil {
		if ctx.Err() != nil {
			return res, fmt.Errorf("%w: %w", ErrFFmpeg, ctx.Err())
		}
		return res, fmt.Errorf("%w: %w: %s", ErrFFmpeg, werr, stderr.String())
	}
	for _, err := range errs {
		if err != nil && !errors.Is(err, os.ErrClosed) && !errors.Is(err, unix.EPIPE) {
			return res, fmt.Errorf("compose: stream: %w", err)
		}
	}
	return res, nil
}

// tail keeps the last max bytes written to it.
type tail struct {
	mu  sync.Mutex
	max int
	b   []byte
}

func (t *tail) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.b = append(t.b, p...)
	if len(t.b) > t.max {
		t.b = t.b[len(t.b)-t.max:]
	}
	return len(p), nil
}

func (t *tail) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(t.b)
}
