package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"sync"
	"testing"
	"time"

	"meetd/internal/childproc"
)

var errDriverGone = errors.New("browser driver exited")

// driver runs driver/driver.mjs and calls it: one headless Chromium, one browser context per page.
type driver struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
	logs  *logBook
	gone  chan struct{}

	mu      sync.Mutex
	nextID  int
	pending map[int]chan reply
	ready   chan struct{}
}

// reply is the driver's answer to one request.
type reply struct {
	ID     int             `json:"id"`
	OK     bool            `json:"ok"`
	Result json.RawMessage `json:"result"`
	Error  string          `json:"error"`
}

// message is any line the driver writes: a reply or an event.
type message struct {
	reply
	Event   string `json:"event"`
	Page    int    `json:"page"`
	Type    string `json:"type"`
	Text    string `json:"text"`
	Version string `json:"version"`
}

// startDriver starts the driver and waits until Chromium runs. It is stopped when the test ends.
func startDriver(t *testing.T, tl tools, logs *logBook) *driver {
	t.Helper()
	cmd := exec.Command(tl.node, "driver/driver.mjs")
	cmd.Env = append(os.Environ(), chromiumEnv+"="+tl.chromium)
	cmd.SysProcAttr = childproc.KillWithParent()
	d := &driver{cmd: cmd, logs: logs, gone: make(chan struct{}),
		pending: map[int]chan reply{}, ready: make(chan struct{})}
	cmd.Stderr = d.logs.writer("driver stderr")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if d.stdin, err = cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start the browser driver: %v", err)
	}
	go d.read(stdout)
	t.Cleanup(d.stop)
	select {
	case <-d.ready:
	case <-d.gone:
		t.Fatalf("the browser driver exited before Chromium ran:\n%s", d.logs.tail("driver", 50))
	case <-time.After(2 * time.Minute):
		t.Fatalf("Chromium did not start within 2 minutes:\n%s", d.logs.tail("driver", 50))
	}
	return d
}

// read handles the driver's output until it exits.
func (d *driver) read(r io.Reader) {
	defer close(d.gone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 16*1024*1024)
	for sc.Scan() {
		var m message
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			d.logs.add("driver", "unparsed: "+sc.Text())
			continue
		}
		d.dispatch(m)
	}
	d.cmd.Wait() //nolint:errcheck // the exit is reported through gone and the logs
}

func (d *driver) dispatch(m message) {
	switch m.Event {
	case "":
		d.mu.Lock()
		ch := d.pending[m.ID]
		delete(d.pending, m.ID)
		d.mu.Unlock()
		if ch != nil {
			ch <- m.reply
		}
	case "ready":
		d.logs.add("driver", "Chromium "+m.Version)
		close(d.ready)
	case "console", "pageerror", "offorigin", "httperror":
		d.logs.add(pageLog(m.Page), fmt.Sprintf("[%s%s] %s", m.Event, m.Type, m.Text))
	default:
		d.logs.add("driver", fmt.Sprintf("%s: %s%s", m.Event, m.Error, m.Text))
	}
}

// call sends one request and waits for its reply.
func (d *driver) call(ctx context.Context, req map[string]any) (json.RawMessage, error) {
	ch := make(chan reply, 1)
	d.mu.Lock()
	d.nextID++
	req["id"] = d.nextID
	d.pending[d.nextID] = ch
	line, err := json.Marshal(req)
	if err == nil {
		_, err = d.stdin.Write(append(line, '\n'))
	}
	d.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("send %v to the driver: %w", req["op"], err)
	}
	select {
	case r := <-ch:
		if !r.OK {
			return nil, fmt.Errorf("%v on page %v: %s", req["op"], req["page"], r.Error)
		}
		return r.Result, nil
	case <-d.gone:
		return nil, errDriverGone
	case <-ctx.Done():
		return nil, fmt.Errorf("%v on page %v: %w", req["op"], req["page"], ctx.Err())
	}
}

// open loads url in a new browser context as page number page.
func (d *driver) open(ctx context.Context, page int, url string) error {
	_, err := d.call(ctx, map[string]any{"op": "open", "page": page, "url": url})
	return err
}

// openWatched is open, and the page's requests and WebSockets to other origins than url's are logged as
// "[offorigin] <url>" lines of the page, responses with status 400 or more as "[httperror] <status> <url>".
func (d *driver) openWatched(ctx context.Context, page int, url string) error {
	_, err := d.call(ctx, map[string]any{"op": "open", "page": page, "url": url, "watchOrigin": true})
	return err
}

// eval evaluates a JavaScript expression in a page (awaiting a promise) and decodes its JSON value into out.
func (d *driver) eval(ctx context.Context, page int, expr string, out any) error {
	raw, err := d.call(ctx, map[string]any{"op": "eval", "page": page, "expr": expr})
	if err != nil || out == nil {
		return err
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("decode the result of %s: %w", expr, err)
	}
	return nil
}

// closePage closes a page and its browser context.
func (d *driver) closePage(ctx context.Context, page int) error {
	_, err := d.call(ctx, map[string]any{"op": "close", "page": page})
	return err
}

// stop asks the driver to close Chromium, and kills it if it does not.
func (d *driver) stop() {
	fmt.Fprintln(d.stdin, `{"op":"quit"}`)
	d.stdin.Close()
	select {
	case <-d.gone:
	case <-time.After(20 * time.Second):
		d.cmd.Process.Kill() //nolint:errcheck // best effort at the end of a test
		<-d.gone
	}
}

func pageLog(page int) string {
	return fmt.Sprintf("page %d", page)
}
