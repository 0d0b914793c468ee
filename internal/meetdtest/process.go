package meetdtest

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"

	"meetd/internal/childproc"
)

// tailLines is how many output lines a Process keeps for error messages.
const tailLines = 400

// Options say how to run a process.
type Options struct {
	// Prefix is prepended to the command line (e.g. taskset, nice, ip netns exec).
	Prefix []string
	// Env is added to the environment.
	Env []string
	// Output receives every output line (stdout and stderr), if set.
	Output io.Writer
	// OnLine sees every output line, if set.
	OnLine func(string)
	// Hurry, when > 0, is how long Stop waits after SIGTERM before a second
	// SIGTERM (meetd's "end the calls now").
	Hurry time.Duration
	// StopLimit is how long Stop waits before SIGKILL; default 20 s.
	StopLimit time.Duration
}

// Process is one running process with its output kept.
type Process struct {
	cmd    *exec.Cmd
	opts   Options
	exited chan struct{}
	mu     sync.Mutex
	tail   []string
	waited error
}

// StartCommand starts argv (after o.Prefix); it is killed if the caller dies.
func StartCommand(o Options, argv ...string) (*Process, error) {
	argv = append(append([]string(nil), o.Prefix...), argv...)
	cmd := exec.Command(argv[0], argv[1:]...) //nolint:gosec // the caller's own command line
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.SysProcAttr = childproc.KillWithParent()
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	p := &Process{cmd: cmd, opts: o, exited: make(chan struct{})}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		p.collect(r)
	}()
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return nil, err
	}
	go func() {
		err := cmd.Wait()
		_ = w.Close()
		<-collected
		p.mu.Lock()
		p.waited = err
		p.mu.Unlock()
		close(p.exited)
	}()
	return p, nil
}

func (p *Process) collect(r io.Reader) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		line := sc.Text()
		if p.opts.OnLine != nil {
			p.opts.OnLine(line)
		}
		if p.opts.Output != nil {
			_, _ = io.WriteString(p.opts.Output, line+"\n")
		}
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > tailLines {
			p.tail = p.tail[len(p.tail)-tailLines:]
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// Cmd is the running command (its Path, Args, Process and, after it
// exited, ProcessState).
func (p *Process) Cmd() *exec.Cmd { return p.cmd }

// PID is the process id (taskset, nice and ip netns exec exec the target).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Exited is closed when the process has ended and its output is read.
func (p *Process) Exited() <-chan struct{} { return p.exited }

// Err is the exit error (nil for status 0) once Exited is closed.
func (p *Process) Err() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.waited
}

// Tail returns the last n output lines (all kept lines when n <= 0).
func (p *Process) Tail(n int) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	t := p.tail
	if n > 0 && len(t) > n {
		t = t[len(t)-n:]
	}
	return strings.Join(t, "\n")
}

// Signal sends sig to the process.
func (p *Process) Signal(sig os.Signal) error { return p.cmd.Process.Signal(sig) }

// Stop sends SIGTERM (a second one after o.Hurry, if set), waits up to
// o.StopLimit and then kills the process. It returns the exit error: nil
// for status 0, ErrKilled when it had to kill.
func (p *Process) Stop() error {
	limit := p.opts.StopLimit
	if limit <= 0 {
		limit = 20 * time.Second
	}
	_ = p.Signal(syscall.SIGTERM) // it may have exited already
	if p.opts.Hurry > 0 {
		select {
		case <-p.exited:
		case <-time.After(p.opts.Hurry):
			_ = p.Signal(syscall.SIGTERM)
		}
	}
	select {
	case <-p.exited:
		return p.Err()
	case <-time.After(limit):
		_ = p.cmd.Process.Kill()
		<-p.exited
		return fmt.Errorf("%w (within %v)", ErrKilled, limit)
	}
}

// WaitHTTP polls url until it answers (any status), the process exits or
// ctx ends. meetd's self-signed certificate is accepted.
func (p *Process) WaitHTTP(ctx context.Context, url string) error {
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}, //nolint:gosec // the self-signed server under test
	}}
	defer client.CloseIdleConnections()
	for {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return err
		}
		resp, err := client.Do(req)
		if err == nil {
			_ = resp.Body.Close()
			return nil
		}
		select {
		case <-p.exited:
			return fmt.Errorf("%w (%v); last request: %w", ErrExited, p.Err(), err)
		case <-ctx.Done():
			return fmt.Errorf("%w: %w", ErrNotReady, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}
