package bridge

import (
	"crypto/rand"
	"encoding/binary"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// conference is one meeting on this bridge, keyed by the focus's meeting-id.
type conference struct {
	b         *Bridge
	meetingID string
	name      string
	log       *slog.Logger
	// feedback SSRCs (jvb-a0 / jvb-v0): sender SSRC of bridge-made RTCP.
	audioSSRC, videoSSRC uint32

	mu        sync.Mutex
	endpoints map[string]*endpoint
	attached  map[string]*Attachment
	expired   bool
	snapshot  atomic.Pointer[[]*endpoint]
	// rxs lists every receiver side: the endpoints' and the attached
	// receivers' (copy-on-write, like snapshot).
	rxs atomic.Pointer[[]*downlink]

	kfMu   sync.Mutex
	lastKF map[uint32]time.Time // media SSRC -> last keyframe request sent

	ctl      control
	stopOnce sync.Once

	// allocMu guards allocation and speaker state and the receivers'
	// prefs; taken by the control goroutine, after an endpoint's mu,
	// never before.
	allocMu   sync.Mutex
	speakers  []string       // recent speakers, dominant first
	senderMax map[string]int // source name -> last SenderSourceConstraints sent
	speakerAt time.Time      // of the last speaker decision
}

func newConference(b *Bridge, meetingID, name string) *conference {
	c := &conference{
		b: b, meetingID: meetingID, name: name,
		log:       b.log.With("room", name, "meeting", meetingID),
		audioSSRC: randomSSRC(), videoSSRC: randomSSRC(),
		endpoints: map[string]*endpoint{},
		attached:  map[string]*Attachment{},
		lastKF:    map[uint32]time.Time{},
		senderMax: map[string]int{},
		ctl:       newControl(),
	}
	c.snapshot.Store(&[]*endpoint{})
	c.rxs.Store(&[]*downlink{})
	return c
}

// list returns the current endpoints without locking (copy-on-write).
func (c *conference) list() []*endpoint { return *c.snapshot.Load() }

// receivers returns every receiver side without locking (copy-on-write).
func (c *conference) receivers() []*downlink { return *c.rxs.Load() }

// endpoint returns the endpoint with the given id, or nil.
func (c *conference) endpoint(id string) *endpoint {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.endpoints[id]
}

// publishLocked rebuilds the lock-free endpoint list; c.mu must be held.
func (c *conference) publishLocked() {
	l := make([]*endpoint, 0, len(c.endpoints))
	rx := make([]*downlink, 0, len(c.endpoints)+len(c.attached))
	for _, e := range c.endpoints {
		l = append(l, e)
		rx = append(rx, e.down)
	}
	for _, a := range c.attached {
		rx = append(rx, a.down)
	}
	c.snapshot.Store(&l)
	c.rxs.Store(&rx)
}

// addEndpoint registers e; it reports false if the id is taken or the
// conference expired.
func (c *conference) addEndpoint(e *endpoint) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.expired || c.endpoints[e.id] != nil || c.attached[e.id] != nil {
		return false
	}
	c.endpoints[e.id] = e
	c.publishLocked()
	return true
}

// removeEndpoint forgets and closes the endpoint with the given id.
func (c *conference) removeEndpoint(id string) {
	c.mu.Lock()
	e := c.endpoints[id]
	delete(c.endpoints, id)
	c.publishLocked()
	c.mu.Unlock()
	if e != nil {
		e.close()
	}
	c.allocMu.Lock()
	c.forgetSpeakerLocked(id)
	c.allocMu.Unlock()
	c.reallocate()
}

// empty reports whether no endpoint is left.
func (c *conference) empty() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.endpoints) == 0
}

// expire closes every endpoint; the conference cannot be used afterwards.
func (c *conference) expire() {
	c.mu.Lock()
	c.expired = true
	eps, att := c.endpoints, c.attached
	c.endpoints, c.attached = map[string]*endpoint{}, map[string]*Attachment{}
	c.publishLocked()
	c.mu.Unlock()
	c.stopControl()
	for _, e := range eps {
		e.close()
	}
	for _, a := range att {
		a.detached()
	}
}

// ownerOf finds the endpoint that sends the given SSRC.
func (c *conference) ownerOf(ssrc uint32) *endpoint {
	for _, e := range c.list() {
		if _, ok := e.ingress.Load().ssrcs[ssrc]; ok {
			return e
		}
	}
	return nil
}

// allowKeyframeRequest rate-limits keyframe requests per media SSRC.
func (c *conference) allowKeyframeRequest(ssrc uint32, now time.Time) bool {
	const minInterval = 200 * time.Millisecond
	c.kfMu.Lock()
	defer c.kfMu.Unlock()
	if last, ok := c.lastKF[ssrc]; ok && now.Sub(last) < minInterval {
		return false
	}
	if len(c.lastKF) > 4096 {
		clear(c.lastKF)
	}
	c.lastKF[ssrc] = now
	return true
}

func randomSSRC() uint32 {
	var b [4]byte
	_, _ = rand.Read(b[:])
	if v := binary.BigEndian.Uint32(b[:]); v != 0 {
		return v
	}
	return 1
}
