package bench

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"meetd/internal/childproc"
)

// Process is one server process under test.
type Process struct {
	cmd  *exec.Cmd
	done chan struct{}
	mu   sync.Mutex
	tail []string
}

// ProcOpts say how to run a process under test.
type ProcOpts struct {
	CPUs   string // taskset CPU list; empty = any
	Netns  string // network namespace; empty = this one
	Nice   int    // nice increment (negative needs root); 0 = unchanged
	Env    []string
	OnLine func(string) // sees every output line
}

// StartProcess runs argv as o says. Output is kept (last lines) for error
// messages.
func StartProcess(o ProcOpts, argv ...string) (*Process, error) {
	if o.CPUs != "" {
		argv = append([]string{"taskset", "-c", o.CPUs}, argv...)
	}
	if o.Nice != 0 {
		argv = append([]string{"nice", "-n", strconv.Itoa(o.Nice)}, argv...)
	}
	if o.Netns != "" {
		argv = append([]string{"ip", "netns", "exec", o.Netns}, argv...)
	}
	onLine := o.OnLine
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), o.Env...)
	cmd.SysProcAttr = childproc.KillWithParent()
	r, w := io.Pipe()
	cmd.Stdout, cmd.Stderr = w, w
	p := &Process{cmd: cmd, done: make(chan struct{})}
	go p.collect(r, onLine)
	if err := cmd.Start(); err != nil {
		_ = w.Close()
		return nil, err
	}
	go func() {
		_ = cmd.Wait()
		_ = w.Close()
		close(p.done)
	}()
	return p, nil
}

func (p *Process) collect(r io.Reader, onLine func(string)) {
	sc := bufio.NewScanner(r)
	for sc.Scan() {
		line := sc.Text()
		if onLine != nil {
			onLine(line)
		}
		p.mu.Lock()
		p.tail = append(p.tail, line)
		if len(p.tail) > 40 {
			p.tail = p.tail[1:]
		}
		p.mu.Unlock()
	}
	_, _ = io.Copy(io.Discard, r)
}

// PID is the process id (taskset and ip netns exec exec the target).
func (p *Process) PID() int { return p.cmd.Process.Pid }

// Tail returns the last output lines.
func (p *Process) Tail() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return strings.Join(p.tail, "\n")
}

// Stop sends SIGTERM and waits (SIGKILL after 10 s).
func (p *Process) Stop() {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-p.done:
	case <-time.After(10 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
}

// Exited reports whether the process has ended.
func (p *Process) Exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// Server is a started SFU: where clients reach it and its process.
type Server struct {
	URL  string
	Proc *Process
}

// Meetd starts meetd processes from a built binary.
type Meetd struct {
	Bin   string
	Dir   string // scratch directory for config and state
	CPUs  string // taskset list, e.g. "1"
	Procs int    // GOMAXPROCS when > 0
	Nice  int
	IP    string // listen and advertise address; default 127.0.0.1
}

// Start runs a fresh meetd on free ports and waits until it serves.
func (m *Meetd) Start(ctx context.Context) (*Server, error) {
	ip := m.IP
	if ip == "" {
		ip = "127.0.0.1"
	}
	hp, err := freePort("tcp4", ip)
	if err != nil {
		return nil, err
	}
	mp, err := freePort("udp4", ip)
	if err != nil {
		return nil, err
	}
	url := fmt.Sprintf("https://%s:%d", ip, hp)
	cfg := strings.Join([]string{`domain = "localhost"`, fmt.Sprintf("state_dir = %q", filepath.Join(m.Dir, "state")),
		"[http]", fmt.Sprintf("listen = \"%s:%d\"", ip, hp), fmt.Sprintf("public_url = %q", url),
		"[media]", fmt.Sprintf("listen = \"%s:%d\"", ip, mp), fmt.Sprintf("advertise = [%q]", ip),
		"[log]", `level = "warn"`,
		// No fixed host ports: the ops listener and the XMPP TCP ports stay off or on free ports.
		// The lobby is off: every emulated participant enters the room.
		"[rooms]", "lobby = false",
		"[ops]", `listen = ""`, "[xmpp]", `c2s_listen = "127.0.0.1:0"`, `component_listen = "127.0.0.1:0"`,
		// Every emulated endpoint comes from one address: per-IP and per-room limits off.
		"[xmpp.limits]", "connections_per_ip = 0", "logins_per_minute = 0", "joins_per_second = 0.0", "join_burst = 0",
		"max_occupants = 0",
	}, "\n") + "\n"
	path := filepath.Join(m.Dir, "meetd.toml")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		return nil, err
	}
	var env []string
	if m.Procs > 0 {
		env = append(env, fmt.Sprintf("GOMAXPROCS=%d", m.Procs))
	}
	p, err := StartProcess(ProcOpts{CPUs: m.CPUs, Nice: m.Nice, Env: env}, m.Bin, "-config", path)
	if err != nil {
		return nil, err
	}
	if err := waitHTTP(ctx, url+"/config.js", p); err != nil {
		p.Stop()
		return nil, fmt.Errorf("%w: meetd: %w\n%s", ErrNotReady, err, p.Tail())
	}
	return &Server{URL: url, Proc: p}, nil
}

func freePort(network, ip string) (int, error) {
	if network == "udp4" {
		c, err := net.ListenPacket(network, ip+":0")
		if err != nil {
			return 0, err
		}
		defer c.Close()
		return c.LocalAddr().(*net.UDPAddr).Port, nil
	}
	l, err := net.Listen(network, ip+":0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitHTTP(ctx context.Context, url string, p *Process) error {
	client := &http.Client{Timeout: time.Second, Transport: &http.Transport{
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}} //nolint:gosec // self-signed server under test
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if resp, err := client.Do(req); err == nil {
			_ = resp.Body.Close()
			return nil
		}
		if p.Exited() {
			return ErrNoProcess
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}
