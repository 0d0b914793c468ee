package load

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"sync"

	"github.com/gorilla/websocket"
	"github.com/pion/ice/v4"
)

// GaleneGroup is the group the Galène adapter joins, and GalenePassword
// the password of its wildcard user (the benchmark writes the group file).
const (
	GaleneGroup    = "bench"
	GalenePassword = "bench"
)

// galeneMsg is one message of Galène's WebSocket protocol
// (docs/performance.md#galène): a JSON object with a type.
type galeneMsg struct {
	Type      string          `json:"type"`
	Kind      string          `json:"kind,omitempty"`
	Version   []string        `json:"version,omitempty"`
	ID        string          `json:"id,omitempty"`
	Source    string          `json:"source,omitempty"`
	Username  string          `json:"username,omitempty"`
	Password  string          `json:"password,omitempty"`
	Group     string          `json:"group,omitempty"`
	Label     string          `json:"label,omitempty"`
	SDP       string          `json:"sdp,omitempty"`
	Candidate *galeneCand     `json:"candidate,omitempty"`
	Request   map[string]any  `json:"request,omitempty"`
	Value     json.RawMessage `json:"value,omitempty"`
	Error     string          `json:"error,omitempty"`
}

type galeneCand struct {
	Candidate string `json:"candidate"`
}

// galeneLeg is the signalling side of one Galène stream (one peer
// connection): its answer or offer, and the ICE candidates Galène trickles.
type galeneLeg struct {
	id      string
	mu      sync.Mutex
	agent   *ice.Agent
	pending []ice.Candidate
	sdp     chan string    // answers to the tool's offer (publishing leg)
	offers  chan galeneMsg // Galène's offers and re-offers (receiving leg)
	offered bool           // an offer was seen (guarded by the session's mu)
}

// addCandidate hands a trickled candidate to the leg's agent, or keeps it
// until the agent exists.
func (g *galeneLeg) addCandidate(c ice.Candidate) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.agent == nil {
		g.pending = append(g.pending, c)
		return
	}
	_ = g.agent.AddRemoteCandidate(c)
}

func (g *galeneLeg) setAgent(a *ice.Agent) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.agent = a
	for _, c := range g.pending {
		_ = a.AddRemoteCandidate(c)
	}
	g.pending = nil
}

// galeneSession is one Galène client: a WebSocket, joined to the group,
// carrying the signalling of all its streams.
type galeneSession struct {
	ws      *websocket.Conn
	wmu     sync.Mutex
	id      string
	mu      sync.Mutex
	legs    map[string]*galeneLeg
	newLegs chan *galeneLeg // streams Galène starts offering to this client
	joined  chan error
	done    chan struct{}
	closeMu sync.Once
}

// dialGalene connects to Galène's WebSocket and handshakes as client id.
func dialGalene(ctx context.Context, url, id string) (*galeneSession, error) {
	d := wsDialer()
	d.Subprotocols = nil
	ws, resp, err := d.DialContext(ctx, url, nil)
	if err != nil {
		return nil, fmt.Errorf("load: galene websocket: %w", err)
	}
	_ = resp.Body.Close()
	s := &galeneSession{ws: ws, id: id, legs: map[string]*galeneLeg{}, newLegs: make(chan *galeneLeg, 256),
		joined: make(chan error, 1), done: make(chan struct{})}
	go s.readLoop()
	if err := s.send(galeneMsg{Type: "handshake", Version: []string{"2"}, ID: id}); err != nil {
		s.close()
		return nil, err
	}
	return s, nil
}

// join joins group as user nick and waits for Galène's verdict.
func (s *galeneSession) join(ctx context.Context, group, nick string) error {
	if err := s.send(galeneMsg{Type: "join", Kind: "join", Group: group, Username: nick, Password: GalenePassword}); err != nil {
		return err
	}
	select {
	case err := <-s.joined:
		if err != nil {
			return fmt.Errorf("load: galene join: %w", err)
		}
		return nil
	case <-s.done:
		return fmt.Errorf("%w: galene closed the websocket", ErrProtocol)
	case <-ctx.Done():
		return fmt.Errorf("load: galene join: %w", ctx.Err())
	}
}

func (s *galeneSession) send(m galeneMsg) error {
	s.wmu.Lock()
	defer s.wmu.Unlock()
	return s.ws.WriteJSON(m)
}

// leg returns the signalling state of stream id, creating it.
func (s *galeneSession) leg(id string) *galeneLeg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.legLocked(id)
}

func (s *galeneSession) legLocked(id string) *galeneLeg {
	g := s.legs[id]
	if g == nil {
		g = &galeneLeg{id: id, sdp: make(chan string, 1), offers: make(chan galeneMsg, 16)}
		s.legs[id] = g
	}
	return g
}

// offered returns the leg of an offered stream, and whether this is its
// first offer (a trickled candidate may have created the leg before).
func (s *galeneSession) offered(id string) (*galeneLeg, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	g := s.legLocked(id)
	first := !g.offered
	g.offered = true
	return g, first
}

// readLoop dispatches Galène's messages until the WebSocket closes.
func (s *galeneSession) readLoop() {
	defer close(s.done)
	for {
		var m galeneMsg
		if err := s.ws.ReadJSON(&m); err != nil {
			return
		}
		s.dispatch(m)
	}
}

func (s *galeneSession) dispatch(m galeneMsg) {
	switch m.Type {
	case "ping":
		_ = s.send(galeneMsg{Type: "pong"})
	case "joined":
		s.onJoined(m)
	case "answer":
		select {
		case s.leg(m.ID).sdp <- m.SDP:
		default:
		}
	case "offer":
		g, fresh := s.offered(m.ID)
		select {
		case g.offers <- m:
		default:
		}
		if fresh {
			select {
			case s.newLegs <- g:
			default:
			}
		}
	case "ice":
		if m.Candidate == nil {
			return
		}
		c, err := ice.UnmarshalCandidate(strings.TrimPrefix(m.Candidate.Candidate, "candidate:"))
		if err == nil && c.NetworkType() == ice.NetworkTypeUDP4 {
			s.leg(m.ID).addCandidate(c)
		}
	}
}

func (s *galeneSession) onJoined(m galeneMsg) {
	var err error
	switch m.Kind {
	case "join":
	case "fail":
		err = fmt.Errorf("%w: galene refused the join (%s)", ErrProtocol, m.Error)
	default:
		return
	}
	select {
	case s.joined <- err:
	default:
	}
}

func (s *galeneSession) close() {
	s.closeMu.Do(func() {
		s.wmu.Lock()
		_ = s.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""))
		s.wmu.Unlock()
		_ = s.ws.Close()
	})
}
