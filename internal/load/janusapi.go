package load

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"sync/atomic"
	"time"
)

// janusMsg is a Janus API message; ids are json.Number (int64 range).
type janusMsg struct {
	Janus       string          `json:"janus"`
	Transaction string          `json:"transaction,omitempty"`
	Data        *janusID        `json:"data,omitempty"`
	PluginData  *janusPlugin    `json:"plugindata,omitempty"`
	JSEP        *janusJSEP      `json:"jsep,omitempty"`
	Error       *janusError     `json:"error,omitempty"`
	Sender      json.Number     `json:"sender,omitempty"`
	Raw         json.RawMessage `json:"-"`
}

type janusID struct {
	ID json.Number `json:"id"`
}

type janusPlugin struct {
	Plugin string          `json:"plugin"`
	Data   json.RawMessage `json:"data"`
}

type janusJSEP struct {
	Type string `json:"type"`
	SDP  string `json:"sdp"`
}

type janusError struct {
	Code   int    `json:"code"`
	Reason string `json:"reason"`
}

// janusSession is one Janus session with one VideoRoom handle, and the
// long-poll loop that delivers its events.
type janusSession struct {
	base    string
	client  *http.Client
	session string
	handle  string
	tx      atomic.Uint64
	events  chan janusMsg
	done    chan struct{}
}

const videoRoomPlugin = "janus.plugin.videoroom"

// newJanusSession creates a session, attaches the VideoRoom plugin and
// starts polling for events.
func newJanusSession(ctx context.Context, base string) (*janusSession, error) {
	s := &janusSession{base: base, client: &http.Client{Timeout: 40 * time.Second},
		events: make(chan janusMsg, 16), done: make(chan struct{})}
	var m janusMsg
	if err := s.post(ctx, base, map[string]any{"janus": "create"}, &m); err != nil {
		return nil, err
	}
	s.session = string(m.Data.ID)
	if err := s.post(ctx, base+"/"+s.session, map[string]any{"janus": "attach", "plugin": videoRoomPlugin}, &m); err != nil {
		return nil, err
	}
	s.handle = string(m.Data.ID)
	go s.poll()
	return s, nil
}

func (s *janusSession) post(ctx context.Context, url string, body map[string]any, out *janusMsg) error {
	body["transaction"] = "t" + strconv.FormatUint(s.tx.Add(1), 10)
	b, err := json.Marshal(body)
	if err != nil {
		return err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(b))
	if err != nil {
		return err
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return fmt.Errorf("load: janus: %w", err)
	}
	defer resp.Body.Close()
	d := json.NewDecoder(resp.Body)
	d.UseNumber()
	if err := d.Decode(out); err != nil {
		return fmt.Errorf("%w: janus: %w", ErrProtocol, err)
	}
	if out.Janus == "error" || out.Error != nil {
		return fmt.Errorf("%w: janus: %+v", ErrRejected, out.Error)
	}
	return nil
}

// poll long-polls the session's events until it is destroyed.
func (s *janusSession) poll() {
	defer close(s.done)
	url := s.base + "/" + s.session + "?maxev=10"
	for {
		resp, err := s.client.Get(url)
		if err != nil {
			return
		}
		var msgs []janusMsg
		d := json.NewDecoder(resp.Body)
		d.UseNumber()
		err = d.Decode(&msgs)
		_ = resp.Body.Close()
		if err != nil {
			return
		}
		for _, m := range msgs {
			if m.Janus == "event" {
				select {
				case s.events <- m:
				default:
				}
			}
		}
	}
}

// message sends a plugin request (with an optional JSEP) without waiting
// for its asynchronous event.
func (s *janusSession) message(ctx context.Context, body map[string]any, jsep *janusJSEP) error {
	req := map[string]any{"janus": "message", "body": body}
	if jsep != nil {
		req["jsep"] = jsep
	}
	var m janusMsg
	return s.post(ctx, s.base+"/"+s.session+"/"+s.handle, req, &m)
}

// request sends a plugin request and waits for the event that answers it.
func (s *janusSession) request(ctx context.Context, body map[string]any, jsep *janusJSEP) (janusMsg, error) {
	if err := s.message(ctx, body, jsep); err != nil {
		return janusMsg{}, err
	}
	for {
		select {
		case m := <-s.events:
			if m.PluginData == nil {
				continue
			}
			var d struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(m.PluginData.Data, &d) == nil && d.Error != "" {
				return m, fmt.Errorf("%w: janus: %s", ErrRejected, d.Error)
			}
			return m, nil
		case <-ctx.Done():
			return janusMsg{}, ctx.Err()
		}
	}
}

// close destroys the session.
func (s *janusSession) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var m janusMsg
	_ = s.post(ctx, s.base+"/"+s.session, map[string]any{"janus": "destroy"}, &m)
	select {
	case <-s.done:
	case <-ctx.Done():
	}
}
